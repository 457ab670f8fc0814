import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';

// V8's own check, callable from a test: `%HaveSameMap` parses only with natives syntax allowed.
setFlagsFromString('--allow-natives-syntax');
const check = runInThisContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fast = runInThisContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;

/**
 * Whether V8 gives `a` and `b` one hidden class (map). An object literal that opens with a
 * spread and then adds keys (`{ ...base, status }`) gets a map of its own at every call once
 * V8's inline cache is warm (Node 20): on a per-step path that is thousands of maps in old space
 * per second, each keeping young objects alive through scavenges.
 */
export function haveSameHiddenClass(a: object, b: object): boolean {
  return check(a, b);
}

/**
 * Whether V8 keeps `object` in fast mode rather than as a dictionary. An object literal with a
 * getter of its own (`{ get log() {...} }`) is a dictionary, and each gets an accessor pair in old
 * space that keeps the getter's closure, and all it reaches, alive through scavenges.
 */
export function hasFastProperties(object: object): boolean {
  return fast(object);
}
