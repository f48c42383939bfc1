#!/usr/bin/python3
"""gRPC interop TestService server on Python grpcio, a peer for grpc-native's interop tests.

It binds 127.0.0.1 (or --host), prints `listening on port N` on stdout once it serves, and runs until it is
killed or, with --exit_on_stdin_close, until its standard input closes.

The server features follow gRPC's interop test descriptions: zero-filled payloads of the requested sizes,
interval_us delays, response_status echo and the x-grpc-test-echo-initial / x-grpc-test-echo-trailing-bin
metadata echo. A response_status with code OK is ignored. Compression fields are ignored.
"""

import argparse
import logging
import os
import sys
import threading
import time
from concurrent import futures

import grpc

from interop_messages import (ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, TEST_SERVICE, load_messages, read_file)

STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


class TestServiceServicer:
    """Handlers of grpc.testing.TestService."""

    def __init__(self, empty_pb2, messages_pb2):
        self.empty_pb2 = empty_pb2
        self.messages = messages_pb2

    def method_handlers(self):
        """Return the grpcio method handlers, by method name."""
        messages = self.messages
        return {
            'EmptyCall': grpc.unary_unary_rpc_method_handler(
                self.empty_call,
                request_deserializer=self.empty_pb2.Empty.FromString,
                response_serializer=self.empty_pb2.Empty.SerializeToString),
            'UnaryCall': grpc.unary_unary_rpc_method_handler(
                self.unary_call,
                request_deserializer=messages.SimpleRequest.FromString,
                response_serializer=messages.SimpleResponse.SerializeToString),
            'StreamingOutputCall': grpc.unary_stream_rpc_method_handler(
                self.streaming_output_call,
                request_deserializer=messages.StreamingOutputCallRequest.FromString,
                response_serializer=messages.StreamingOutputCallResponse.SerializeToString),
            'StreamingInputCall': grpc.stream_unary_rpc_method_handler(
                self.streaming_input_call,
                request_deserializer=messages.StreamingInputCallRequest.FromString,
                response_serializer=messages.StreamingInputCallResponse.SerializeToString),
            'FullDuplexCall': grpc.stream_stream_rpc_method_handler(
                self.full_duplex_call,
                request_deserializer=messages.StreamingOutputCallRequest.FromString,
                response_serializer=messages.StreamingOutputCallResponse.SerializeToString),
            'HalfDuplexCall': grpc.stream_stream_rpc_method_handler(
                self.half_duplex_call,
                request_deserializer=messages.StreamingOutputCallRequest.FromString,
                response_serializer=messages.StreamingOutputCallResponse.SerializeToString),
        }

    @staticmethod
    def echo_metadata(context):
        """Send back the echo headers: one in the initial metadata, one in the trailers."""
        received = context.invocation_metadata()
        initial = [(key, value) for key, value in received if key == ECHO_INITIAL_KEY]
        if initial:
            context.send_initial_metadata(initial)
        trailing = [(key, value) for key, value in received if key == ECHO_TRAILING_KEY]
        if trailing:
            context.set_trailing_metadata(trailing)

    def check_request(self, request, sizes, context):
        """Abort the call with the requested status, or with INVALID_ARGUMENT for a request it cannot serve."""
        if request.HasField('response_status') and request.response_status.code != 0:
            code = STATUS_CODES.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
            context.abort(code, request.response_status.message)
        if request.response_type != self.messages.COMPRESSABLE:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          'unsupported response_type %d, only COMPRESSABLE is supported' % request.response_type)
        negative = [size for size in sizes if size < 0]
        if negative:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          'invalid response size %d, must be >= 0' % negative[0])

    def payload(self, size):
        return self.messages.Payload(type=self.messages.COMPRESSABLE, body=bytes(size))

    def stream_responses(self, request, context):
        """Yield one response per ResponseParameters entry, sleeping interval_us before each."""
        self.check_request(request, [entry.size for entry in request.response_parameters], context)
        for parameters in request.response_parameters:
            if parameters.interval_us > 0:
                time.sleep(parameters.interval_us / 1e6)
            if not context.is_active():
                return
            yield self.messages.StreamingOutputCallResponse(payload=self.payload(parameters.size))

    def empty_call(self, request, context):
        del request
        self.echo_metadata(context)
        return self.empty_pb2.Empty()

    def unary_call(self, request, context):
        self.echo_metadata(context)
        self.check_request(request, [request.response_size], context)
        return self.messages.SimpleResponse(payload=self.payload(request.response_size))

    def streaming_output_call(self, request, context):
        self.echo_metadata(context)
        yield from self.stream_responses(request, context)

    def streaming_input_call(self, request_iterator, context):
        self.echo_metadata(context)
        size = sum(len(request.payload.body) for request in request_iterator)
        return self.messages.StreamingInputCallResponse(aggregated_payload_size=size)

    def full_duplex_call(self, request_iterator, context):
        self.echo_metadata(context)
        for request in request_iterator:
            yield from self.stream_responses(request, context)

    def half_duplex_call(self, request_iterator, context):
        self.echo_metadata(context)
        requests = list(request_iterator)
        for request in requests:
            yield from self.stream_responses(request, context)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default: 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='TCP port to bind; 0 picks a free one (default: 0)')
    parser.add_argument('--tls', action='store_true', help='serve TLS with --cert and --key')
    parser.add_argument('--cert', help='PEM file of the server certificate chain (with --tls)')
    parser.add_argument('--key', help='PEM file of the server private key, unencrypted (with --tls)')
    parser.add_argument('--client-ca', dest='client_ca',
                        help='PEM file of the CA that signs client certificates; requires client certificates')
    parser.add_argument('--exit_on_stdin_close', action='store_true',
                        help='exit when standard input reaches end of file, so that the server ends with the'
                        ' process that started it')
    parser.add_argument('--stubs_dir', help='folder of message modules made by interop_messages.generate_messages'
                        ' (default: generate them into a temporary folder)')
    args = parser.parse_args(argv)
    if args.tls and not (args.cert and args.key):
        parser.error('--tls requires --cert and --key')
    if not args.tls and (args.cert or args.key or args.client_ca):
        parser.error('--cert, --key and --client-ca require --tls')
    return args


def create_server_credentials(args):
    if not args.tls:
        return None
    client_ca = read_file(args.client_ca)
    return grpc.ssl_server_credentials(
        [(read_file(args.key), read_file(args.cert))],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None)


def exit_when_stdin_closes():
    """Exit once standard input reaches end of file, which happens when the parent process goes away."""
    sys.stdin.buffer.read()
    os._exit(0)  # pylint: disable=protected-access


def main(argv):
    logging.basicConfig(level=logging.WARNING, format='python interop server: %(levelname)s %(message)s')
    args = parse_args(argv)
    empty_pb2, messages_pb2 = load_messages(args.stubs_dir)

    servicer = TestServiceServicer(empty_pb2, messages_pb2)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(TEST_SERVICE, servicer.method_handlers()),))

    host = '[%s]' % args.host if ':' in args.host else args.host
    address = '%s:%d' % (host, args.port)
    credentials = create_server_credentials(args)
    if credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, credentials)
    if port == 0:
        logging.error('failed to bind %s', address)
        return 1

    server.start()
    if args.exit_on_stdin_close:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print('listening on port %d' % port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
