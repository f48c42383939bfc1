/** Method definitions whose messages are raw bytes, for tests that need a service without a proto file. */

export const identity = (value: Buffer): Buffer => value;

/** Returns the definition of method `name` of `service` (for example `test.Echo`), with identity serializers. */
export function rawMethod(service: string, name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/${service}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}
