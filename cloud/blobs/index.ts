/** The teacher's blob store (adapters, training data, bundles): a folder, or an S3-compatible bucket. */
export { checkKey, type BlobStore } from './types.js';
export { FsBlobStore } from './fs.js';
export { S3BlobStore, type S3BlobStoreOptions } from './s3.js';
