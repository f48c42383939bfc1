#!/usr/bin/python3
"""gRPC interop test client on Python grpcio, a peer for grpc-native's interop tests.

It runs the interop cases named by --test_case (one name, a comma-separated list, or `all`) against a
grpc.testing.TestService server, prints `PASS <case>` or `FAIL <case>: <reason>` for each, and exits with 0
when every case passed and 1 otherwise. The checks are those of gRPC's interop test descriptions
(doc/interop-test-descriptions.md in the grpc/grpc repository).
"""

import argparse
import queue
import sys
import traceback

import grpc

from interop_messages import (ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, TEST_SERVICE, UNIMPLEMENTED_SERVICE,
                              load_messages, read_file)

ECHO_INITIAL_VALUE = 'test_initial_metadata_value'
ECHO_TRAILING_VALUE = b'\xab\xab\xab'

# Deadline of every call that a case does not expect to time out. It only turns a hung peer into a
# DEADLINE_EXCEEDED failure, so it is far above the expected duration.
DEFAULT_CALL_TIMEOUT_SECONDS = 10.0


class CheckFailure(Exception):
    """A check of an interop case failed; the message names the check."""


class RequestQueue:
    """A request iterator that yields what put() adds, until close()."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def put(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        return item


def check_equal(label, actual, expected):
    if actual != expected:
        raise CheckFailure('%s is %r, expected %r' % (label, actual, expected))


def check_zero_payload(label, payload, expected_size):
    check_equal(label + ' payload size', len(payload.body), expected_size)
    if payload.body.count(0) != len(payload.body):
        raise CheckFailure(label + ' payload body contains non-zero bytes')


def check_response_sizes(responses, expected_sizes):
    check_equal('number of responses', len(responses), len(expected_sizes))
    for index, (response, size) in enumerate(zip(responses, expected_sizes)):
        check_zero_payload('response %d' % (index + 1), response.payload, size)


def describe_error(error):
    return 'status %s with details %r' % (error.code().name, error.details())


def expect_status(label, call_function, expected_code):
    """Call call_function() and check that it raises grpc.RpcError with expected_code; return the error."""
    try:
        call_function()
    except grpc.RpcError as error:
        if error.code() != expected_code:
            raise CheckFailure('%s ended with %s, expected status %s'
                               % (label, describe_error(error), expected_code.name)) from None
        return error
    raise CheckFailure('%s succeeded, expected status %s' % (label, expected_code.name))


def check_echoed_metadata(label, initial_metadata, trailing_metadata):
    initial = [value for key, value in initial_metadata if key == ECHO_INITIAL_KEY]
    check_equal('%s: %s values in the initial metadata' % (label, ECHO_INITIAL_KEY), initial, [ECHO_INITIAL_VALUE])
    trailing = [value for key, value in trailing_metadata if key == ECHO_TRAILING_KEY]
    check_equal('%s: %s values in the trailers' % (label, ECHO_TRAILING_KEY), trailing, [ECHO_TRAILING_VALUE])


class InteropClient:
    """The interop client cases, as methods named after the cases."""

    def __init__(self, channel, empty_pb2, messages_pb2, call_timeout):
        self.empty_pb2 = empty_pb2
        self.messages = messages_pb2
        self.timeout = call_timeout
        messages = messages_pb2
        empty = empty_pb2.Empty

        def method(service, name):
            return '/%s/%s' % (service, name)

        self.empty_call = channel.unary_unary(
            method(TEST_SERVICE, 'EmptyCall'),
            request_serializer=empty.SerializeToString, response_deserializer=empty.FromString)
        self.unary_call = channel.unary_unary(
            method(TEST_SERVICE, 'UnaryCall'),
            request_serializer=messages.SimpleRequest.SerializeToString,
            response_deserializer=messages.SimpleResponse.FromString)
        self.streaming_output_call = channel.unary_stream(
            method(TEST_SERVICE, 'StreamingOutputCall'),
            request_serializer=messages.StreamingOutputCallRequest.SerializeToString,
            response_deserializer=messages.StreamingOutputCallResponse.FromString)
        self.streaming_input_call = channel.stream_unary(
            method(TEST_SERVICE, 'StreamingInputCall'),
            request_serializer=messages.StreamingInputCallRequest.SerializeToString,
            response_deserializer=messages.StreamingInputCallResponse.FromString)
        self.full_duplex_call = channel.stream_stream(
            method(TEST_SERVICE, 'FullDuplexCall'),
            request_serializer=messages.StreamingOutputCallRequest.SerializeToString,
            response_deserializer=messages.StreamingOutputCallResponse.FromString)
        self.unimplemented_call = channel.unary_unary(
            method(TEST_SERVICE, 'UnimplementedCall'),
            request_serializer=empty.SerializeToString, response_deserializer=empty.FromString)
        self.unimplemented_service_call = channel.unary_unary(
            method(UNIMPLEMENTED_SERVICE, 'UnimplementedCall'),
            request_serializer=empty.SerializeToString, response_deserializer=empty.FromString)

    def payload(self, size):
        return self.messages.Payload(body=bytes(size))

    def duplex_request(self, response_size=None, payload_size=None, response_status=None):
        request = self.messages.StreamingOutputCallRequest()
        if response_size is not None:
            request.response_parameters.add(size=response_size)
        if payload_size is not None:
            request.payload.CopyFrom(self.payload(payload_size))
        if response_status is not None:
            request.response_status.CopyFrom(response_status)
        return request

    def empty_unary(self):
        response = self.empty_call(self.empty_pb2.Empty(), timeout=self.timeout)
        if not isinstance(response, self.empty_pb2.Empty):
            raise CheckFailure('EmptyCall response is %r, expected an Empty message' % (response,))

    def large_unary(self):
        request = self.messages.SimpleRequest(response_size=314159, payload=self.payload(271828))
        response = self.unary_call(request, timeout=self.timeout)
        check_zero_payload('response', response.payload, 314159)

    def client_streaming(self):
        requests = [self.messages.StreamingInputCallRequest(payload=self.payload(size))
                    for size in (27182, 8, 1828, 45904)]
        response = self.streaming_input_call(iter(requests), timeout=self.timeout)
        check_equal('aggregated_payload_size', response.aggregated_payload_size, 74922)

    def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        request = self.messages.StreamingOutputCallRequest()
        for size in sizes:
            request.response_parameters.add(size=size)
        responses = list(self.streaming_output_call(request, timeout=self.timeout))
        check_response_sizes(responses, sizes)

    def ping_pong(self):
        response_sizes = [31415, 9, 2653, 58979]
        request_sizes = [27182, 8, 1828, 45904]
        requests = RequestQueue()
        try:
            responses = self.full_duplex_call(requests, timeout=self.timeout)
            for index, (response_size, request_size) in enumerate(zip(response_sizes, request_sizes)):
                requests.put(self.duplex_request(response_size, request_size))
                response = next(responses, None)
                if response is None:
                    raise CheckFailure('stream ended before response %d' % (index + 1))
                check_zero_payload('response %d' % (index + 1), response.payload, response_size)
            requests.close()
            if next(responses, None) is not None:
                raise CheckFailure('received a fifth response, expected exactly four')
            check_equal('FullDuplexCall status', responses.code(), grpc.StatusCode.OK)
        finally:
            requests.close()

    def empty_stream(self):
        responses = list(self.full_duplex_call(iter([]), timeout=self.timeout))
        check_equal('number of responses', len(responses), 0)

    def timeout_on_sleeping_server(self):
        # The server responds only after the client half-closes, which it never does, so the 1 ms deadline
        # expires whatever the speed of the machine.
        requests = RequestQueue()
        requests.put(self.duplex_request(payload_size=27182))
        try:
            expect_status('FullDuplexCall', lambda: list(self.full_duplex_call(requests, timeout=0.001)),
                          grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            requests.close()

    def cancel_after_begin(self):
        requests = RequestQueue()
        try:
            future = self.streaming_input_call.future(requests, timeout=self.timeout)
            future.cancel()
            check_equal('StreamingInputCall cancelled()', future.cancelled(), True)
            check_equal('StreamingInputCall status', future.code(), grpc.StatusCode.CANCELLED)
        finally:
            requests.close()

    def cancel_after_first_response(self):
        requests = RequestQueue()
        requests.put(self.duplex_request(31415, 27182))
        try:
            responses = self.full_duplex_call(requests, timeout=self.timeout)
            response = next(responses, None)
            if response is None:
                raise CheckFailure('stream ended before the first response')
            check_zero_payload('first response', response.payload, 31415)
            responses.cancel()
            check_equal('FullDuplexCall status', responses.code(), grpc.StatusCode.CANCELLED)
        finally:
            requests.close()

    def custom_metadata(self):
        metadata = ((ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE), (ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE))

        request = self.messages.SimpleRequest(response_size=314159, payload=self.payload(271828))
        response, call = self.unary_call.with_call(request, metadata=metadata, timeout=self.timeout)
        check_zero_payload('UnaryCall response', response.payload, 314159)
        check_echoed_metadata('UnaryCall', call.initial_metadata(), call.trailing_metadata())

        responses = self.full_duplex_call(iter([self.duplex_request(314159, 271828)]), metadata=metadata,
                                          timeout=self.timeout)
        check_response_sizes(list(responses), [314159])
        check_echoed_metadata('FullDuplexCall', responses.initial_metadata(), responses.trailing_metadata())

    def check_echoed_status(self, message, duplex):
        status = self.messages.EchoStatus(code=grpc.StatusCode.UNKNOWN.value[0], message=message)

        request = self.messages.SimpleRequest(response_status=status)
        error = expect_status('UnaryCall', lambda: self.unary_call(request, timeout=self.timeout),
                              grpc.StatusCode.UNKNOWN)
        check_equal('UnaryCall status details', error.details(), message)

        if not duplex:
            return
        requests = iter([self.duplex_request(response_status=status)])
        error = expect_status('FullDuplexCall',
                              lambda: list(self.full_duplex_call(requests, timeout=self.timeout)),
                              grpc.StatusCode.UNKNOWN)
        check_equal('FullDuplexCall status details', error.details(), message)

    def status_code_and_message(self):
        self.check_echoed_status('test status message', duplex=True)

    def special_status_message(self):
        self.check_echoed_status('\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n',
                                 duplex=False)

    def unimplemented_method(self):
        expect_status('UnimplementedCall',
                      lambda: self.unimplemented_call(self.empty_pb2.Empty(), timeout=self.timeout),
                      grpc.StatusCode.UNIMPLEMENTED)

    def unimplemented_service(self):
        expect_status('UnimplementedService/UnimplementedCall',
                      lambda: self.unimplemented_service_call(self.empty_pb2.Empty(), timeout=self.timeout),
                      grpc.StatusCode.UNIMPLEMENTED)


CASE_NAMES = (
    'empty_unary', 'large_unary', 'client_streaming', 'server_streaming', 'ping_pong', 'empty_stream',
    'timeout_on_sleeping_server', 'cancel_after_begin', 'cancel_after_first_response', 'custom_metadata',
    'status_code_and_message', 'special_status_message', 'unimplemented_method', 'unimplemented_service',
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--server_host', default='127.0.0.1', help='server address (default: 127.0.0.1)')
    parser.add_argument('--server_port', type=int, required=True, help='server TCP port')
    parser.add_argument('--test_case', required=True,
                        help='case name, comma-separated case names, or "all"; cases: ' + ', '.join(CASE_NAMES))
    parser.add_argument('--tls', action='store_true', help='connect with TLS')
    parser.add_argument('--ca', help='PEM file of the CA to trust (with --tls; default: the system roots)')
    parser.add_argument('--cert', help='PEM file of the client certificate chain, for mutual TLS (with --tls)')
    parser.add_argument('--key', help='PEM file of the client private key, for mutual TLS (with --tls)')
    parser.add_argument('--server_host_override',
                        help='name to check the server certificate against and to send as :authority')
    parser.add_argument('--call_timeout', type=float, default=DEFAULT_CALL_TIMEOUT_SECONDS,
                        help='deadline of each call, in seconds (default: %(default)s)')
    parser.add_argument('--stubs_dir', help='folder of message modules made by interop_messages.generate_messages'
                        ' (default: generate them into a temporary folder)')
    args = parser.parse_args(argv)

    if args.test_case == 'all':
        args.cases = list(CASE_NAMES)
    else:
        args.cases = args.test_case.split(',')
        unknown = [name for name in args.cases if name not in CASE_NAMES]
        if unknown:
            parser.error('unknown --test_case %s; cases: %s' % (', '.join(unknown), ', '.join(CASE_NAMES)))
    if not args.tls and (args.ca or args.cert or args.key or args.server_host_override):
        parser.error('--ca, --cert, --key and --server_host_override require --tls')
    if bool(args.cert) != bool(args.key):
        parser.error('--cert and --key must be given together')
    return args


def create_channel(args):
    host = '[%s]' % args.server_host if ':' in args.server_host else args.server_host
    target = '%s:%d' % (host, args.server_port)
    if not args.tls:
        return grpc.insecure_channel(target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read_file(args.ca),
        private_key=read_file(args.key),
        certificate_chain=read_file(args.cert))
    options = []
    if args.server_host_override:
        options.append(('grpc.ssl_target_name_override', args.server_host_override))
    return grpc.secure_channel(target, credentials, options)


def run_case(client, name):
    """Run one case and return None when it passed, or the reason it failed."""
    try:
        getattr(client, name)()
    except CheckFailure as failure:
        return str(failure)
    except grpc.RpcError as error:
        return 'unexpected %s' % describe_error(error)
    except Exception:  # pylint: disable=broad-except
        return 'client error: ' + traceback.format_exc().strip().replace('\n', ' | ')
    return None


def main(argv):
    args = parse_args(argv)
    empty_pb2, messages_pb2 = load_messages(args.stubs_dir)
    failed = 0
    with create_channel(args) as channel:
        client = InteropClient(channel, empty_pb2, messages_pb2, args.call_timeout)
        for name in args.cases:
            reason = run_case(client, name)
            if reason is None:
                print('PASS %s' % name, flush=True)
            else:
                failed += 1
                print('FAIL %s: %s' % (name, reason), flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
