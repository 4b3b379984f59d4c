/**
 * The shapes shared by the dataset registry, the downloader and the readers.
 * A sentence is a list of tokens with one IOB2 tag each.
 */
export interface Sentence {
  tokens: string[];
  tags: string[];
}

export type DatasetFormat = 'conll' | 'mit' | 'seqio' | 'mtod' | 'mtop';
export type SplitName = 'train' | 'dev' | 'test';

/** One file a dataset needs, as the downloader fetches it. */
export interface RemoteFile {
  /** Path of the verified file inside the dataset's cache folder (`<cache_dir>/<dataset key>/<path>`). */
  path: string;
  /** Download URLs, tried in order: the official source first (where one exists), then pinned mirrors. */
  urls: string[];
  /** Expected sha256 (hex). Absent: recorded in the cache's lock file on first download, verified from then on. */
  sha256?: string;
  /** Expected size in bytes, when known. */
  size?: number;
  /** For a zip archive: the members to extract, each to a path inside the dataset's cache folder. */
  extract?: { member: string; path: string; sha256?: string }[];
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
  /** For each split, the file (or seq.in/seq.out folder) inside the dataset's cache folder it is read from. */
  splits: Partial<Record<SplitName, string>>;
  /** How the dev split is made when the dataset has none (MIT sets): carved from train. */
  split_rule: string;
}
