/**
 * The four biomedical NER corpora (cross-domain tasks beyond the paper): NCBI-disease, BC5CDR
 * chemical, BC5CDR disease and BC2GM gene mentions, in the standard splits of Crichton et al. 2017
 * (also BioBERT's). Files are `token<TAB>tag`, IOB2, a blank line between sentences, LF, named
 * train.tsv / devel.tsv (the dev split) / test.tsv. Checksums, sizes and the pinned raw URLs come
 * from ../shared/datasets/bio/MANIFEST.json; the official upstreams publish the corpora in other
 * forms (PubTator/BioC abstracts), so they are noted (official_url), not downloaded.
 * Cache layout: `<cache_dir>/bio/<name>/<file>`, the layout of the shared datasets folder.
 */
import type { DatasetEntry, RemoteFile, SplitName } from './types.js';

const MTL = 'https://raw.githubusercontent.com/cambridgeltl/MTL-Bioinformatics-2016/df0df02fae6dbb87d88ffcf323b9096528f06f84/data';

const LICENCE_MTL =
  'Files from cambridgeltl/MTL-Bioinformatics-2016 (CC BY 4.0 per that repository\'s README); the corpus\'s own terms apply ' +
  '(see its official upstream). Attribute the corpus and Crichton et al. 2017.';
const CRICHTON = 'Splits: Gamal Crichton, Sampo Pyysalo, Billy Chiu, Anna Korhonen. A neural network multi-task learning approach to biomedical named entity recognition. BMC Bioinformatics 18, 2017.';
const GIVEN_SPLIT_RULE = 'train/dev/test as published (devel.tsv is dev); low-resource: floor(p·n) of train and of dev, seeded; test full';
const FILE_NAMES: Record<SplitName, string> = { train: 'train.tsv', dev: 'devel.tsv', test: 'test.tsv' };

/** One corpus: its folder in MTL-Bioinformatics-2016 (`<upstream>-IOB`) and per split [sha256, bytes]. */
function bioEntry(spec: {
  key: string;
  upstream: string;
  title: string;
  aliases: string[];
  homepage: string;
  citation: string;
  sums: Record<SplitName, [string, number]>;
  sizes: Record<SplitName, number>;
  types: string;
}): DatasetEntry {
  const files: RemoteFile[] = (['train', 'dev', 'test'] as const).map((split) => ({
    path: FILE_NAMES[split],
    urls: [`${MTL}/${spec.upstream}-IOB/${FILE_NAMES[split]}`],
    sha256: spec.sums[split][0],
    size: spec.sums[split][1],
    official_url: spec.homepage,
  }));
  return {
    key: spec.key,
    title: spec.title,
    aliases: spec.aliases,
    homepage: spec.homepage,
    licence: LICENCE_MTL,
    citation: `${spec.citation} ${CRICHTON}`,
    format: 'conll',
    reader_options: { token_column: 0, tag_column: 1, scheme: 'IOB2' },
    files,
    dir: `bio/${spec.upstream}`,
    splits: { train: FILE_NAMES.train, dev: FILE_NAMES.dev, test: FILE_NAMES.test },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: spec.sizes,
    notes: [
      `token<TAB>tag, IOB2, ${spec.types}; cased, tokenised text; sentences are long (see the >99w and >128tok columns)`,
      `cached under bio/${spec.upstream}/ (the shared datasets folder's layout)`,
    ],
  };
}

export const BIO_REGISTRY: readonly DatasetEntry[] = [
  bioEntry({
    key: 'ncbi_disease',
    upstream: 'NCBI-disease',
    title: 'NCBI-disease (Dogan et al. 2014)',
    aliases: ['NCBI-disease'],
    homepage: 'https://www.ncbi.nlm.nih.gov/CBBresearch/Dogan/DISEASE/',
    citation: 'Rezarta Islamaj Doğan, Robert Leaman, Zhiyong Lu. NCBI disease corpus: a resource for disease name recognition and concept normalization. Journal of Biomedical Informatics 47, 2014.',
    sums: {
      train: ['58379baf4614b8d757d93dd7a21b202849ca99f9b9d71b49185523ff5443300c', 1137445],
      dev: ['b4e1e7efcc2a35047bf2f3d281648357470e674f555d4a26a0049ac37d59cc61', 200352],
      test: ['8f088ce45dc4746592188f9e69de3d89d87f3bb8f0ed8c4a287d018123fa148d', 205664],
    },
    sizes: { train: 5424, dev: 923, test: 940 },
    types: '1 type (Disease)',
  }),
  bioEntry({
    key: 'bc5cdr_chem',
    upstream: 'BC5CDR-chem',
    title: 'BC5CDR chemical mentions (Li et al. 2016)',
    aliases: ['BC5CDR-chem'],
    homepage: 'https://biocreative.bioinformatics.udel.edu/tasks/biocreative-v/track-3-cdr/',
    citation: 'Jiao Li et al. BioCreative V CDR task corpus: a resource for chemical disease relation extraction. Database 2016.',
    sums: {
      train: ['165c4cd2efadd0caf1bb8f3c6bcd3acca199446bb3d55eb06d9137114c9a0b2d', 983140],
      dev: ['3f1df5cfcff95735663ffc37121fd3687e82b1e9a019bec0480491502652721b', 976029],
      test: ['6fce42139a9d819151eff3ab8cb0eda6fbf861fd17d4cfe6be2123f010a3b6c5', 1023429],
    },
    sizes: { train: 4560, dev: 4581, test: 4797 },
    types: '1 type (Chemical)',
  }),
  bioEntry({
    key: 'bc5cdr_disease',
    upstream: 'BC5CDR-disease',
    title: 'BC5CDR disease mentions (Li et al. 2016)',
    aliases: ['BC5CDR-disease'],
    homepage: 'https://biocreative.bioinformatics.udel.edu/tasks/biocreative-v/track-3-cdr/',
    citation: 'Jiao Li et al. BioCreative V CDR task corpus: a resource for chemical disease relation extraction. Database 2016.',
    sums: {
      train: ['d630dafe7dd67e21350cc3278dbdcfadcccbb2b63d0fda83b2427853988e5ad9', 976013],
      dev: ['8c3af95475029c2100c2b7c0108b2715bc700ac198c7a21d587f11f1d06b17bd', 967926],
      test: ['a530bf9e17a4122b101b09cedd5f3cf8e6307d6a0093146c33b8de2e69ec0fa3', 1017600],
    },
    sizes: { train: 4560, dev: 4581, test: 4797 },
    types: '1 type (Disease)',
  }),
  bioEntry({
    key: 'bc2gm',
    upstream: 'BC2GM',
    title: 'BC2GM gene mentions (Smith et al. 2008)',
    aliases: ['BC2GM'],
    homepage: 'https://biocreative.bioinformatics.udel.edu/tasks/biocreative-ii/',
    citation: 'Larry Smith et al. Overview of BioCreative II gene mention recognition. Genome Biology 9 (Suppl 2), 2008.',
    sums: {
      train: ['46e17f4e1509483b82c03f27d6f0214020f738fb71704356fb3445eb824ab38d', 2894167],
      dev: ['33a94577aa22f1e70ec9e02781a05baa4e1390e866d28bf2b344888e4e3d4103', 577660],
      test: ['30d7a4f571ca8ed22a044528063ba5d0388d666d8b8b329733d6927e5fb30764', 1165057],
    },
    sizes: { train: 12574, dev: 2519, test: 5038 },
    types: '1 type (GENE)',
  }),
];

/** The biomedical tasks, in the order configs list them. */
export const BIO_TASKS = ['ncbi_disease', 'bc5cdr_chem', 'bc5cdr_disease', 'bc2gm'] as const;
