"""Shared parts of the Python grpcio benchmark peers: the service's method paths and byte layouts, credentials,
and the line protocol with bench/run.js (the same as bench/lib/child-protocol.js).

A peer gets its configuration as one JSON argument and writes one JSON object per line on stdout:
{"event": "listening", "port": N} from a server, {"event": "sync", "name": ...} from a client that then waits
for one line on stdin, and {"event": "result", ...} when a client is done.
"""

import asyncio
import json
import struct
import sys

import grpc

SERVICE_NAME = 'grpc_native.bench.BenchService'
UNARY_PATH = '/%s/Unary' % SERVICE_NAME
STREAM_PATH = '/%s/StreamFromServer' % SERVICE_NAME
PING_PONG_PATH = '/%s/PingPong' % SERVICE_NAME

# A StreamFromServer request: message size and count (uint32 big-endian) and a hold flag (one byte).
STREAM_REQUEST = struct.Struct('>IIB')
UNBOUNDED_COUNT = 0xFFFFFFFF


def encode_stream_request(message_size, count, hold):
    """Return the StreamFromServer request bytes."""
    return STREAM_REQUEST.pack(message_size, count, 1 if hold else 0)


def decode_stream_request(request):
    """Return (message_size, count, hold) from a StreamFromServer request; raise ValueError if malformed."""
    if len(request) != STREAM_REQUEST.size:
        raise ValueError('a StreamFromServer request must be %d bytes' % STREAM_REQUEST.size)
    message_size, count, hold = STREAM_REQUEST.unpack(request)
    return message_size, count, hold == 1


def read_config(required):
    """Parse the JSON configuration in argv[1] and check that it has every field in required."""
    if len(sys.argv) < 2:
        raise SystemExit('missing configuration: pass one JSON object as the first argument')
    config = json.loads(sys.argv[1])
    missing = [field for field in required if field not in config]
    if missing:
        raise SystemExit('configuration is missing %s' % ', '.join(missing))
    return config


def emit(event, **fields):
    """Write one protocol line to stdout."""
    fields['event'] = event
    sys.stdout.write(json.dumps(fields) + '\n')
    sys.stdout.flush()


async def sync(name):
    """Tell the runner that the client reached name and wait for its acknowledgement on stdin."""
    emit('sync', name=name)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit('the runner closed stdin while the client waited at %s' % name)


def read_file(path):
    with open(path, 'rb') as source:
        return source.read()


def server_credentials(security):
    """Return grpcio server credentials for a security description (see bench/lib/credentials.js)."""
    mode = security['mode']
    if mode == 'insecure':
        return None
    pairs = [(read_file(security['keyPath']), read_file(security['certPath']))]
    if mode == 'tls':
        return grpc.ssl_server_credentials(pairs)
    if mode == 'mtls':
        return grpc.ssl_server_credentials(pairs, root_certificates=read_file(security['caPath']),
                                           require_client_auth=True)
    raise ValueError('security.mode must be insecure, tls or mtls, got %r' % mode)


class TokenPlugin(grpc.AuthMetadataPlugin):
    """A metadata plugin that adds the bench token to every call and counts its invocations."""

    def __init__(self, key, value):
        self._metadata = ((key, value),)
        self.invocations = 0

    def __call__(self, context, callback):
        self.invocations += 1
        callback(self._metadata, None)


def channel_credentials(security):
    """Return grpcio channel credentials, or None for an insecure channel."""
    mode = security['mode']
    if mode == 'insecure':
        return None
    ca = read_file(security['caPath'])
    if mode == 'tls':
        channel = grpc.ssl_channel_credentials(root_certificates=ca)
    elif mode == 'mtls':
        channel = grpc.ssl_channel_credentials(root_certificates=ca,
                                               private_key=read_file(security['clientKeyPath']),
                                               certificate_chain=read_file(security['clientCertPath']))
    else:
        raise ValueError('security.mode must be insecure, tls or mtls, got %r' % mode)
    return channel
