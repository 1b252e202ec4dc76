// The public surface of fhir/search: index extraction for the store, and search over the index tables.

/** Builds the indexer the store calls at every write: resource -> rows of the search index tables. */
export { createIndexer } from './extract.ts';
/** Parses a search's query parameters into a SearchRequest (syntax only; values are checked when compiled). */
export { parseSearchRequest } from './search.ts';
/** Runs a search: matches of one page, includes, total and paging cursors. */
export { executeSearch } from './search.ts';
/** The ids (at most two) matching a conditional create/update/delete's criteria. */
export { findIdsForCondition } from './search.ts';
/** Compiles a SearchRequest into parameterised SQL without running it (for review and EXPLAIN). */
export { compileSearch } from './compile.ts';
/** Types of the search API. */
export type { SearchContext, SearchResult } from './search.ts';
export type { SearchRequest, ParseOptions } from './request.ts';
export type { CompiledSearch } from './compile.ts';
