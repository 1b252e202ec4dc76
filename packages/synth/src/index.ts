export * from './model.ts';
export { createRng, type Rng } from './random.ts';
