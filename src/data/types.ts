/**
 * The shapes shared by the dataset registry, the downloader and the readers.
 * A sentence is a list of tokens with one IOB2 tag each.
 */
export interface Sentence {
  tokens: string[];
  tags: string[];
  /** The utterance's intent, where the format has one (ATIS/SNIPS `label`, mTOD, MTOP). */
  intent?: string;
}

/** `tsv` (token<TAB>tag) and `auto` (layout detected) are for users' own files (readers/columns.ts). */
export type DatasetFormat = 'conll' | 'mit' | 'seqio' | 'mtod' | 'mtop' | 'tsv' | 'auto';
/** Tagging schemes a file may use; every reader returns IOB2. */
export type TagScheme = 'IOB1' | 'IOB2' | 'BIOES' | 'auto';
/**
 * Column files as users have them: `conll` (whitespace-separated, token first, tag last), `tsv`
 * (token<TAB>tag), `mit` (tag first), or `auto` (detected: see readers/columns.ts).
 */
export type ColumnLayout = 'conll' | 'tsv' | 'mit' | 'auto';
export type SplitName = 'train' | 'dev' | 'test';

/** One file a dataset needs, as the downloader fetches it. */
export interface RemoteFile {
  /** Path of the verified file inside the dataset's cache folder (`<cache_dir>/<dataset dir or key>/<path>`). */
  path: string;
  /** Download URLs, tried in order: the official source first (where one exists), then pinned mirrors. */
  urls: string[];
  /** Expected sha256 (hex). Absent: recorded in the cache's lock file on first download, verified from then on. */
  sha256?: string;
  /** Expected size in bytes, when known. */
  size?: number;
  /** For a zip archive: the members to extract, each to a path inside the dataset's cache folder. */
  extract?: { member: string; path: string; sha256?: string }[];
  /** Git blob sha1 of the file (`git hash-object`), when a pinned GitHub copy is known but its sha256 is not. */
  git_blob_sha1?: string;
  /**
   * The official upstream of this file's content when it is published in another form than this
   * file (a zip, another column order): shown to users who fetch files by hand, not downloaded.
   */
  official_url?: string;
}

/** Options a reader takes (CoNLL column files). */
export interface ReaderOptions {
  /** Column holding the token (0-based; negative counts from the end). */
  token_column?: number;
  /** Column holding the tag (0-based; negative counts from the end). */
  tag_column?: number;
  /**
   * Tag scheme of the file; IOB1 and BIOES are converted to IOB2 on reading, `auto` detects it
   * (readers/columns.ts). IOB1/IOB2 files of a known layout take the plain readers.
   */
  scheme?: TagScheme;
  /**
   * `as-is`: per-token tags (a task with metric: accuracy), read without IOB checks or conversion
   * (any whitespace-free string is a tag). Default `iob`.
   */
  tags?: 'iob' | 'as-is';
  /** mTOD/MTOP: word tokens from the file's tokenSpans column (default) or a whitespace split of the utterance. */
  tokenization?: 'spans' | 'whitespace';
}

export interface DatasetEntry {
  /** Registry key, also the default task name (atis, snips, mit_movie, …). */
  key: string;
  title: string;
  /** Licence and attribution to show the user. */
  licence: string;
  citation: string;
  files: RemoteFile[];
  format: DatasetFormat;
  /**
   * For each split, the file (or seq.in/seq.out folder) inside the dataset's cache folder it is read
   * from (an absolute path for a user's own files).
   */
  splits: Partial<Record<SplitName, string>>;
  /** How the dev split is made when the dataset has none (MIT sets): carved from train. */
  split_rule: string;
  /** Other names accepted for this dataset (SPEC §6 keys such as movieTrivia). */
  aliases?: string[];
  /** Where the dataset is published (a web page, for people). */
  homepage?: string;
  /** Reader options for this dataset's files (CoNLL columns, tag scheme). */
  reader_options?: ReaderOptions;
  /**
   * Other files in the cache folder holding the same split's content in another layout (e.g. the
   * official tag-first MIT `.bio` next to a pinned token-first mirror), read when the split's own
   * file is absent: lets users drop the official file in by hand.
   */
  alternates?: Partial<Record<SplitName, string[]>>;
  /** A dataset that ships with hyperloader (the demo): files live in this absolute folder, nothing to download. */
  local_dir?: string;
  /**
   * The dataset's folder inside the cache, relative to it (default: the key), e.g. `bio/NCBI-disease`
   * for the biomedical corpora, whose files sit there in the shared datasets folder.
   */
  dir?: string;
  /** `user`: a corpus registered with `hyperloader data add` (its files are in the cache, nothing to download). */
  origin?: 'user';
  /**
   * Split sizes (sentences) this dataset yields: SPEC §6 for the paper's seven (after carving dev
   * from train where there is none), the standard splits otherwise.
   */
  expected_sizes?: Record<SplitName, number>;
  /** Known quirks of the files, for `data stats` and the curious. */
  notes?: string[];
}
