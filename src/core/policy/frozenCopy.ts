// What the policy gate decides on and hands back: a deep copy, frozen, so that nothing still
// holding the parsed arguments (a tool's sqlOf, a listener, a gateway) can change what runs after
// the decision. The copy reads every property once: an accessor cannot answer differently later.
export function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
