package store

// BatchChunk is batchChunk, for the chunk-boundary tests.
const BatchChunk = batchChunk
