/** A builder for the status objects that server handlers and interceptors pass on, as grpc-js has it. */
import type { StatusObject } from './call-interface';
import type { Status } from './constants';
import type { Metadata } from './metadata';

export class StatusBuilder {
  private code: Status | null = null;
  private details: string | null = null;
  private metadata: Metadata | null = null;

  withCode(code: Status): this {
    this.code = code;
    return this;
  }

  withDetails(details: string): this {
    this.details = details;
    return this;
  }

  withMetadata(metadata: Metadata): this {
    this.metadata = metadata;
    return this;
  }

  /** Returns a status with only the fields that were set. */
  build(): Partial<StatusObject> {
    const status: Partial<StatusObject> = {};
    if (this.code !== null) {
      status.code = this.code;
    }
    if (this.details !== null) {
      status.details = this.details;
    }
    if (this.metadata !== null) {
      status.metadata = this.metadata;
    }
    return status;
  }
}
