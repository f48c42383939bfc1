#!/usr/bin/python3
"""Python grpcio peer for grpc-native's security tests: an echo server that reports what it saw of each call, and
a client that makes one call with the credentials its flags describe.

The method is /grpc_native.security.Echo/Report with JSON messages, as in test/helpers/security-echo.ts. The server
replies with the call's text metadata, its auth context and peer identities, prints `listening on port N` once it
serves, and exits when its standard input closes. The client prints one JSON line:
{"code": <status code>, "details": "...", "report": {...} or null}.
"""

import argparse
import json
import sys
import threading
from concurrent import futures

import grpc

METHOD = '/grpc_native.security.Echo/Report'


def read_file(path):
    """Return the contents of `path` as bytes, or None without a path."""
    if path is None:
        return None
    with open(path, 'rb') as file:
        return file.read()


def text(value):
    return value.decode('utf-8', 'replace') if isinstance(value, bytes) else value


def report(request, context):
    """Describe the call as the JSON reply."""
    del request
    metadata = {}
    for key, value in context.invocation_metadata():
        metadata.setdefault(key, []).append(text(value))
    auth = {key: [text(value) for value in values] for key, values in context.auth_context().items()}
    identities = context.peer_identities()
    return {
        'metadata': metadata,
        'transportSecurityType': (auth.get('transport_security_type') or [None])[0],
        'peerCommonName': (auth.get('x509_common_name') or [None])[0],
        'peerIdentities': None if identities is None else [text(identity) for identity in identities],
        'peerIdentityKey': context.peer_identity_key(),
        'authContextKeys': sorted(auth.keys()),
    }


def serialize(value):
    return json.dumps(value).encode()


def deserialize(data):
    return json.loads(data.decode())


def server_credentials(args):
    if args.security == 'insecure':
        return None
    if args.security == 'local':
        return grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    pairs = [(read_file(args.key), read_file(args.cert))]
    roots = read_file(args.client_ca)
    return grpc.ssl_server_credentials(pairs, root_certificates=roots, require_client_auth=roots is not None)


def serve(args):
    handler = grpc.method_handlers_generic_handler('grpc_native.security.Echo', {
        'Report': grpc.unary_unary_rpc_method_handler(report, request_deserializer=deserialize,
                                                      response_serializer=serialize),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
    address = '127.0.0.1:%d' % args.port
    credentials = server_credentials(args)
    port = server.add_insecure_port(address) if credentials is None else server.add_secure_port(address, credentials)
    server.start()
    print('listening on port %d' % port, flush=True)

    # Serve until the parent closes standard input.
    stopped = threading.Event()

    def wait_for_stdin():
        sys.stdin.read()
        stopped.set()

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    stopped.wait()
    server.stop(None)


class HeaderPlugin(grpc.AuthMetadataPlugin):
    """Adds one header, and records the context it was given as more headers."""

    def __init__(self, key, value):
        self.key = key
        self.value = value

    def __call__(self, context, callback):
        callback(((self.key, self.value), ('x-plugin-method', context.method_name)), None)


def channel_credentials(args):
    if args.security == 'local':
        channel = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    else:
        channel = grpc.ssl_channel_credentials(root_certificates=read_file(args.ca), private_key=read_file(args.key),
                                               certificate_chain=read_file(args.cert))
    call_credentials = []
    if args.token:
        call_credentials.append(grpc.access_token_call_credentials(args.token))
    if args.plugin_header:
        key, value = args.plugin_header.split('=', 1)
        call_credentials.append(grpc.metadata_call_credentials(HeaderPlugin(key, value), name='test-plugin'))
    if call_credentials:
        channel = grpc.composite_channel_credentials(channel, *call_credentials)
    return channel


def call(args):
    options = []
    if args.server_host_override:
        options.append(('grpc.ssl_target_name_override', args.server_host_override))
    with grpc.secure_channel(args.target, channel_credentials(args), options=options) as channel:
        stub = channel.unary_unary(METHOD, request_serializer=serialize, response_deserializer=deserialize)
        try:
            reply = stub({}, timeout=10)
            result = {'code': 0, 'details': '', 'report': reply}
        except grpc.RpcError as error:
            result = {'code': error.code().value[0], 'details': error.details(), 'report': None}
    print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('mode', choices=['server', 'client'])
    parser.add_argument('--security', choices=['tls', 'insecure', 'local'], default='tls',
                        help='transport security (default: tls)')
    parser.add_argument('--port', type=int, default=0, help='server: TCP port on 127.0.0.1; 0 picks one')
    parser.add_argument('--target', help='client: the server address, for example 127.0.0.1:50051')
    parser.add_argument('--cert', help='PEM file of the certificate chain (server, or client for mutual TLS)')
    parser.add_argument('--key', help='PEM file of the private key (server, or client for mutual TLS)')
    parser.add_argument('--client-ca', dest='client_ca', help='server: PEM file of the CA that client certificates '
                        'must chain to; client certificates are then required')
    parser.add_argument('--ca', help='client: PEM file of the CA to trust')
    parser.add_argument('--server_host_override', help='client: the name the server certificate must hold')
    parser.add_argument('--token', help='client: send this access token')
    parser.add_argument('--plugin-header', dest='plugin_header', help='client: KEY=VALUE for a metadata plugin to add')
    args = parser.parse_args()
    if args.mode == 'server':
        serve(args)
    else:
        call(args)


if __name__ == '__main__':
    main()
