/**
 * The registry's entries: the paper's seven datasets (SPEC §6) plus CoNLL-2003 and WNUT-17, then
 * the four biomedical corpora (registry-bio.ts). Checksums and sizes come from
 * ../shared/datasets/MANIFEST.json (bio/MANIFEST.json for the biomedical ones); URLs are tried in order, the
 * official source first where it serves the same bytes, then a raw-GitHub copy pinned to a commit.
 * Cache layout: `<cache_dir>/<key>/<path>`, the layout of the shared datasets folder.
 */
import { BIO_REGISTRY } from './registry-bio.js';
import type { DatasetEntry, RemoteFile } from './types.js';

const JOINTBERT = 'https://raw.githubusercontent.com/monologg/JointBERT/00324f60dda4a491b2913bc3065ae93966caea3f/data';
const PROMPTNER = 'https://raw.githubusercontent.com/pity4yeats/promptner/728c1c9384e5df2830919c47818bb3757bb1aba9/data';
const CSAIL = 'https://groups.csail.mit.edu/sls/downloads';
const ZLIUCR = 'https://raw.githubusercontent.com/zliucr/mixed-language-training/d61e767eb470d1f2a2272837bd4daff76c99854f/data/nlu/nlu_data/en';
const MTOD_ZIP = 'https://fb.me/multilingual_task_oriented_data';
const HSCRF = 'https://raw.githubusercontent.com/ZhixiuYe/HSCRF-pytorch/86bb64890317b74517c5ad44b47c66635df327d8/data';
const WNUT = 'https://raw.githubusercontent.com/leondz/emerging_entities_17/e52a2d2a71ac1a051ca2d532eef28653c5c02603';

const MIT_SPLIT_RULE =
  'no dev split: dev = ceil(n/10) sentences carved from train with a permutation seeded by data.split_seed (SPEC §6 sizes); ' +
  'low-resource: floor(p·n) of train and of dev, seeded; test full';
const GIVEN_SPLIT_RULE = 'train/dev/test as published; low-resource: floor(p·n) of train and of dev, seeded; test full';

const MIT_LICENCE =
  'Released by MIT CSAIL Spoken Language Systems for research; no explicit licence file. ' +
  'Attribution: Liu et al., ICASSP 2013. Research use only.';
const MIT_CITATION =
  'Jingjing Liu, Panupong Pasupat, Scott Cyphers, Jim Glass. Asgard: A Portable Architecture for Multilingual Dialogue Systems. ICASSP 2013.';

function seqioFiles(base: string, name: string, sums: Record<string, [string, number]>): RemoteFile[] {
  return Object.entries(sums).map(([path, [sha256, size]]) => ({ path, urls: [`${base}/${name}/${path}`], sha256, size }));
}

export const REGISTRY: readonly DatasetEntry[] = [
  {
    key: 'mit_movie_trivia',
    title: 'MIT Movie Trivia (trivia10k13)',
    aliases: ['movieTrivia'],
    homepage: `${CSAIL}/movie/`,
    licence: MIT_LICENCE,
    citation: MIT_CITATION,
    format: 'mit',
    files: [
      {
        path: 'trivia10k13train.bio',
        urls: [
          `${CSAIL}/movie/trivia10k13train.bio`,
          'https://raw.githubusercontent.com/Piyush1416/Building-Custom-Name-Entity-Recognition-NER-using-BERT/fe1e85b186ab87b7a309d1887fbcf246921196cb/trivia10k13train.bio',
        ],
        sha256: '8fab6e609201c66127e99726e37c86cdcc84182a1db4aa92df0c31889844a7af',
        size: 1952195,
      },
      {
        path: 'trivia10k13test.bio',
        urls: [
          `${CSAIL}/movie/trivia10k13test.bio`,
          'https://raw.githubusercontent.com/Piyush1416/Building-Custom-Name-Entity-Recognition-NER-using-BERT/fe1e85b186ab87b7a309d1887fbcf246921196cb/trivia10k13test.bio',
        ],
        sha256: 'b89bb1225d9c586f7b6ea62ad1bc145bf7e9933837e589524b145932c73ffe54',
        size: 479715,
      },
    ],
    splits: { train: 'trivia10k13train.bio', test: 'trivia10k13test.bio' },
    split_rule: MIT_SPLIT_RULE,
    expected_sizes: { train: 7034, dev: 782, test: 1953 },
    notes: [
      'tag first (TAG<TAB>word), IOB2, mixed-case tags (B-Actor), 12 types',
      'the pinned copy uses CRLF line endings; whether the MIT original does is unverified (the checksum decides)',
    ],
  },
  {
    key: 'mit_movie',
    title: 'MIT Movie (eng)',
    aliases: ['movie'],
    homepage: `${CSAIL}/movie/`,
    licence: MIT_LICENCE,
    citation: MIT_CITATION,
    format: 'mit',
    files: [
      {
        path: 'engtrain.bio.txt',
        urls: [`${PROMPTNER}/mit-movie/engtrain.bio.txt`],
        sha256: 'f93607ad8851d73e5cded989d845b55c50ded4d92efe69bb967351beb0c5152c',
        size: 1013490,
        official_url: `${CSAIL}/movie/engtrain.bio`,
      },
      {
        path: 'engtest.bio.txt',
        urls: [`${PROMPTNER}/mit-movie/engtest.bio.txt`],
        sha256: '323cf53a00dc8b218052ab1067a040d7e589fbdf6fa6048450dc611ef88f8aee',
        size: 252634,
        official_url: `${CSAIL}/movie/engtest.bio`,
      },
    ],
    splits: { train: 'engtrain.bio.txt', test: 'engtest.bio.txt' },
    alternates: { train: ['engtrain.bio'], test: ['engtest.bio'] },
    split_rule: MIT_SPLIT_RULE,
    expected_sizes: { train: 8797, dev: 978, test: 2443 },
    notes: [
      'the pinned copy is a derived token-first file (word<TAB>TAG, no final newline) with the same tokens and tags as the official tag-first engtrain.bio; the official file, dropped into the cache by hand, is read when the pinned one is absent',
      'UPPERCASE tags (B-ACTOR), 12 types',
    ],
  },
  {
    key: 'mit_restaurant',
    title: 'MIT Restaurant',
    aliases: ['restaurant'],
    homepage: `${CSAIL}/restaurant/`,
    licence: MIT_LICENCE,
    citation: MIT_CITATION,
    format: 'mit',
    files: [
      {
        path: 'restauranttrain.bio',
        urls: [
          `${CSAIL}/restaurant/restauranttrain.bio`,
          'https://raw.githubusercontent.com/carpentries-incubator/python-text-analysis/f7a7513b67d8eef677bd039e70b0cbeeaff31677/episodes/data/mit_restaurant/restauranttrain.bio',
        ],
        sha256: 'f51794247426c975e7701011d4dba668ac6b881358f162e2c2c10709f2d17b9b',
        size: 759757,
      },
      {
        path: 'restauranttest.tokenfirst.txt',
        urls: [`${PROMPTNER}/mit-restaurant/test.txt`],
        sha256: 'bf3b4cb56214d3e053a4febf11b8fddeb7f12084aa00a530b5638cd275be75c7',
        size: 155720,
        official_url: `${CSAIL}/restaurant/restauranttest.bio`,
      },
    ],
    splits: { train: 'restauranttrain.bio', test: 'restauranttest.tokenfirst.txt' },
    alternates: { test: ['restauranttest.bio'] },
    split_rule: MIT_SPLIT_RULE,
    expected_sizes: { train: 6894, dev: 766, test: 1521 },
    notes: [
      'train: tag first, LF, 8 types; the pinned test copy is token first and space separated (word<SPACE>TAG), same tokens and tags as the official restauranttest.bio, which is read when the pinned one is absent',
    ],
  },
  {
    key: 'atis',
    title: 'ATIS (Goo et al. 2018 splits, JointBERT copy)',
    homepage: 'https://github.com/MiuLab/SlotGated-SLU/tree/master/data/atis',
    licence:
      'ATIS is an LDC corpus (Hemphill et al. 1990): LDC terms apply; the split files are from MiuLab/SlotGated-SLU via monologg/JointBERT (Apache-2.0).',
    citation:
      'Charles T. Hemphill, John J. Godfrey, George R. Doddington. The ATIS Spoken Language Systems Pilot Corpus. HLT 1990. ' +
      'Splits: Chih-Wen Goo et al. Slot-Gated Modeling for Joint Slot Filling and Intent Prediction. NAACL 2018.',
    format: 'seqio',
    files: [
      ...seqioFiles(JOINTBERT, 'atis', {
        'train/seq.in': ['3a670980841b21ab39088b2595efc17d487cdc45769c075a3e5f9458bba28c7f', 289848],
        'train/seq.out': ['14c7131bd66562f797dbd7189bc7358f0cf354c6afb0785a9ab973c35b58f34c', 415557],
        'train/label': ['d0a771547665eecbdf9f96ea015ef07d1f6ee9f063e861020dafabb3c2a04377', 57831],
        'dev/seq.in': ['c7435b96e7948393608c34819628e863c5338f11ca68e8f896d2cc041d8e17f8', 32761],
        'dev/seq.out': ['83ccff3e36f83a993f8e5b5b82adf3256076f234abda4d784051381d7ac76922', 47763],
        'dev/label': ['06957cfe6fdffac84f8280bc3a1f8ca85c85631b363817aa4543aac611f8addf', 6518],
        'test/seq.in': ['4b2119fc59c37f9398c6605db435d4f467505009e6ee3e5af04fed09f39dc397', 52122],
        'test/seq.out': ['a4690d6bceadc06876d1ff99bc401744aa981cb321e598ae12a3859d7be53254', 81238],
        'test/label': ['ce4bfe6590d9498e1078f30b4137d3e8b3e94277b444b26360c0bf2e9e282761', 11634],
      }),
    ],
    splits: { train: 'train', dev: 'dev', test: 'test' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 4478, dev: 500, test: 893 },
    notes: ['seq.in/seq.out/label per split, IOB2, lowercase; multi-intents joined by #'],
  },
  {
    key: 'snips',
    title: 'SNIPS (Goo et al. 2018 splits, JointBERT copy)',
    homepage: 'https://github.com/MiuLab/SlotGated-SLU/tree/master/data/snips',
    licence:
      'Snips NLU benchmark terms apply (Coucke et al. 2018); the split files are from MiuLab/SlotGated-SLU via monologg/JointBERT (Apache-2.0).',
    citation:
      'Alice Coucke et al. Snips Voice Platform: an embedded Spoken Language Understanding system for private-by-design voice interfaces. arXiv:1805.10190, 2018. ' +
      'Splits: Chih-Wen Goo et al. Slot-Gated Modeling for Joint Slot Filling and Intent Prediction. NAACL 2018.',
    format: 'seqio',
    files: [
      ...seqioFiles(JOINTBERT, 'snips', {
        'train/seq.in': ['04ad1e3f2121d83c6478f9a4b17d2dbdc21d06d6127f73cb7af835ed733f9855', 617079],
        'train/seq.out': ['fd5f2121d8055827e5d6b3d3bac30f3d7e94e82a5d437751960cbdd9e1b4f6d3', 950926],
        'train/label': ['bfd7df6cf9dd76c5da5d8b61bc85f90386197bdd3d7510c1d324c051537b962f', 184532],
        'dev/seq.in': ['64e0f6d8ad8aab3a3828164d7d53731a0993d3ca1aed437ceaca6d3d568d410e', 33629],
        'dev/seq.out': ['712e6d34feb8d52d208b820a5f8bae6e6ff990f08374507dfde22de389088319', 50626],
        'dev/label': ['9c1dd041216f647bcfca838aaf1a48eb5781e4404256d31ff07cd38a5436c52f', 9900],
        'test/seq.in': ['c1e341173fcea2951a8ca371956a6f81c76de87b9583c62eb87edd6158fa3a7c', 33121],
        'test/seq.out': ['58c07c9097d5e1f78889765c2a535a160f6455b90b3142055c8051847afcca47', 50918],
        'test/label': ['37a26da3ad079bb41c42c85a3a8f827eb47efec4c5917ce5d08f4b2736e4f830', 10120],
      }),
    ],
    splits: { train: 'train', dev: 'dev', test: 'test' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 13084, dev: 700, test: 700 },
    notes: ['seq.in/seq.out/label per split, IOB2, mixed case, 7 intents'],
  },
  {
    key: 'mtod',
    title: 'mTOD English (Schuster et al. 2019)',
    homepage: MTOD_ZIP,
    licence: 'CC BY-SA (Facebook multilingual task-oriented dialog data); attribute Schuster et al. 2019.',
    citation:
      'Sebastian Schuster, Sonal Gupta, Rushin Shah, Mike Lewis. Cross-lingual Transfer Learning for Multilingual Task Oriented Dialog. NAACL 2019.',
    format: 'mtod',
    files: [
      {
        // Too large for the shared folder, so its sha256 is not published: the downloader records
        // it in the lock file on first download; the pinned copy's git blob id checks it meanwhile.
        path: 'train-en.tsv',
        urls: [`${ZLIUCR}/train-en.tsv`],
        git_blob_sha1: 'b6a83c4041657dc3401d88e427f11494af99aef0',
        official_url: `${MTOD_ZIP} (zip multilingual_task_oriented_dialog_slotfilling, member en/train-en.tsv)`,
      },
      {
        path: 'eval-en.tsv',
        urls: [`${ZLIUCR}/eval-en.tsv`],
        sha256: '32f89eb121d639a135e2ef429cc6bacf804e2c70422969c3fd8d149348b507cb',
        size: 1649285,
        official_url: `${MTOD_ZIP} (zip, member en/eval-en.tsv)`,
      },
      {
        path: 'test-en.tsv',
        urls: [`${ZLIUCR}/test-en.tsv`],
        sha256: 'a1c3916daa49da63a52a34b74b2a4e1591f0c698b9d90b454f4cff982df2050c',
        size: 3407227,
        official_url: `${MTOD_ZIP} (zip, member en/test-en.tsv)`,
      },
    ],
    splits: { train: 'train-en.tsv', dev: 'eval-en.tsv', test: 'test-en.tsv' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 30521, dev: 4181, test: 8621 },
    notes: [
      'slot offsets are CHARACTER offsets into the utterance (end exclusive), although the shipped README says "token"',
      'word tokens come from the tokenSpans column (cased slices of the utterance); the earlier of two overlapping slots keeps a shared token',
    ],
  },
  {
    key: 'mtop',
    title: 'MTOP English (Li et al. 2021)',
    homepage: 'https://fb.me/mtop_dataset',
    licence: 'CC BY-SA 4.0; attribute Li et al. 2021.',
    citation:
      'Haoran Li, Abhinav Arora, Shuohui Chen, Anchit Gupta, Sonal Gupta, Yashar Mehdad. MTOP: A Comprehensive Multilingual Task-Oriented Semantic Parsing Benchmark. EACL 2021.',
    format: 'mtop',
    files: [
      {
        // No checksum is published and no pinned copy is known: recorded in the lock file on first download.
        path: 'mtop.zip',
        urls: ['https://dl.fbaipublicfiles.com/mtop/mtop.zip'],
        extract: [
          { member: 'mtop/en/train.txt', path: 'en/train.txt' },
          { member: 'mtop/en/eval.txt', path: 'en/eval.txt' },
          { member: 'mtop/en/test.txt', path: 'en/test.txt' },
        ],
        official_url: 'https://fb.me/mtop_dataset',
      },
    ],
    splits: { train: 'en/train.txt', dev: 'en/eval.txt', test: 'en/test.txt' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 15667, dev: 2235, test: 4386 },
    notes: [
      '8 TAB columns; slots start:end:SL:NAME are CHARACTER offsets into the utterance; tag types drop the SL: prefix',
    ],
  },
  {
    key: 'conll2003',
    title: 'CoNLL-2003 English NER',
    aliases: ['conll03'],
    homepage: 'https://www.clips.uantwerpen.be/conll2003/ner/',
    licence:
      'Annotations free for research (CoNLL-2003 shared task); the text is Reuters RCV1, which needs an agreement with NIST/Reuters. Research use only.',
    citation:
      'Erik F. Tjong Kim Sang, Fien De Meulder. Introduction to the CoNLL-2003 Shared Task: Language-Independent Named Entity Recognition. CoNLL 2003.',
    format: 'conll',
    reader_options: { token_column: 0, tag_column: 3, scheme: 'IOB1' },
    files: [
      { path: 'eng.train', urls: [`${HSCRF}/eng.train`], sha256: 'bed631399cb0e859c4b446438ce57dfe0208792ca6106ef11620877355494c3a', size: 3281526 },
      { path: 'eng.testa', urls: [`${HSCRF}/eng.testa`], sha256: 'aa83a45b88e4952998156583e2ff5a8be7c1f04fb9efa3a29cd87fac2c883807', size: 827010 },
      { path: 'eng.testb', urls: [`${HSCRF}/eng.testb`], sha256: '443914daf51328868558859b28252a28caee2fd02b65e77987977d6489246c5f', size: 748093 },
    ],
    splits: { train: 'eng.train', dev: 'eng.testa', test: 'eng.testb' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 14041, dev: 3250, test: 3453 },
    notes: [
      'word POS chunk NER columns; raw IOB1 tags, converted to IOB2 on reading',
      'this copy has the first -DOCSTART- line moved to the end of each file; -DOCSTART- lines are skipped wherever they are',
    ],
  },
  {
    key: 'wnut17',
    title: 'WNUT-17 Emerging and Rare Entities',
    aliases: ['wnut'],
    homepage: 'https://github.com/leondz/emerging_entities_17',
    licence: 'CC BY 4.0 (WNUT 2017 shared task); attribute Derczynski et al. 2017.',
    citation:
      'Leon Derczynski, Eric Nichols, Marieke van Erp, Nut Limsopatham. Results of the WNUT2017 Shared Task on Novel and Emerging Entity Recognition. W-NUT 2017.',
    format: 'conll',
    reader_options: { token_column: 0, tag_column: 1, scheme: 'IOB2' },
    files: [
      { path: 'wnut17train.conll', urls: [`${WNUT}/wnut17train.conll`], sha256: '731820e13f71af324c6b55a1575ec2ce59fbaa2a0806f8f0400b98d56cd6a7a5', size: 493781 },
      { path: 'emerging.dev.conll', urls: [`${WNUT}/emerging.dev.conll`], sha256: 'e053b752b8155113ca66e7db08af5f2f5f43ab993694e4774f1ec5bad42312d8', size: 114749 },
      { path: 'emerging.test.annotated', urls: [`${WNUT}/emerging.test.annotated`], sha256: '2aa79b764e56ec9264a1b30fdd9b70195bd00ff400b62edd8f399d5f13c178f0', size: 192425 },
    ],
    splits: { train: 'wnut17train.conll', dev: 'emerging.dev.conll', test: 'emerging.test.annotated' },
    split_rule: GIVEN_SPLIT_RULE,
    expected_sizes: { train: 3394, dev: 1009, test: 1287 },
    notes: ['word<TAB>tag, IOB2, 6 types; the train file separates sentences with lines holding only a TAB'],
  },
  ...BIO_REGISTRY,
];

/** The paper's seven tasks (SPEC §6), in the paper's table order. */
export const PAPER_TASKS = ['mit_movie_trivia', 'mit_movie', 'mit_restaurant', 'atis', 'snips', 'mtod', 'mtop'] as const;
