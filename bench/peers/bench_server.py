#!/usr/bin/python3
"""The benchmark server on Python grpcio (asyncio API), started by bench/run.js.

Configuration (JSON in argv[1]): {"security": ..., "checkToken": bool, "token": {"key", "value"}}. It listens on
127.0.0.1 and a free port, prints {"event": "listening", "port": N}, and exits when its stdin closes. Messages are
raw bytes: the handlers have no serializers.
"""

import asyncio
import os
import sys
import threading

import grpc

from bench_common import SERVICE_NAME, UNBOUNDED_COUNT, decode_stream_request, emit, read_config, server_credentials


class BenchService:
    """Handlers of grpc_native.bench.BenchService."""

    def __init__(self, token):
        self._token = token

    async def _check_token(self, context):
        if self._token is None:
            return
        # A call may go without the token; one that carries it must carry the right value.
        values = [value for key, value in context.invocation_metadata() if key == self._token['key']]
        if values and values != [self._token['value']]:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, 'missing or wrong bench token')

    async def unary(self, request, context):
        await self._check_token(context)
        return request

    async def stream_from_server(self, request, context):
        await self._check_token(context)
        try:
            message_size, count, hold = decode_stream_request(request)
        except ValueError as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        message = b'a' * message_size
        sent = 0
        while count == UNBOUNDED_COUNT or sent < count:
            await context.write(message)
            sent += 1
        if hold:
            # Stays open until the client cancels, which cancels this task.
            await asyncio.Event().wait()

    async def ping_pong(self, request_iterator, context):
        await self._check_token(context)
        async for message in request_iterator:
            await context.write(message)

    def generic_handler(self):
        return grpc.method_handlers_generic_handler(SERVICE_NAME, {
            'Unary': grpc.unary_unary_rpc_method_handler(self.unary),
            'StreamFromServer': grpc.unary_stream_rpc_method_handler(self.stream_from_server),
            'PingPong': grpc.stream_stream_rpc_method_handler(self.ping_pong),
        })


def exit_when_stdin_closes():
    """Exit the process once the runner closes stdin."""
    sys.stdin.read()
    os._exit(0)


async def serve(config):
    token = config.get('token') if config.get('checkToken') else None
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((BenchService(token).generic_handler(),))
    credentials = server_credentials(config['security'])
    if credentials is None:
        port = server.add_insecure_port('127.0.0.1:0')
    else:
        port = server.add_secure_port('127.0.0.1:0', credentials)
    await server.start()
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    emit('listening', port=port)
    await server.wait_for_termination()


if __name__ == '__main__':
    asyncio.run(serve(read_config(['security'])))
