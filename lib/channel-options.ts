/**
 * Channel options under grpc-js's names, and their translation to C-core channel arguments. Most `grpc.*` names
 * are C-core's own and pass through unchanged; options that only grpc-js understands (`grpc-node.*`) are dropped.
 */

/** Options accepted by channels, clients and servers. Values are integers, strings or booleans. */
export interface ChannelOptions {
  'grpc.ssl_target_name_override'?: string;
  'grpc.primary_user_agent'?: string;
  'grpc.secondary_user_agent'?: string;
  'grpc.default_authority'?: string;
  'grpc.keepalive_time_ms'?: number;
  'grpc.keepalive_timeout_ms'?: number;
  'grpc.keepalive_permit_without_calls'?: number;
  'grpc.service_config'?: string;
  'grpc.service_config_disable_resolution'?: number;
  'grpc.max_concurrent_streams'?: number;
  'grpc.initial_reconnect_backoff_ms'?: number;
  'grpc.max_reconnect_backoff_ms'?: number;
  'grpc.min_reconnect_backoff_ms'?: number;
  'grpc.use_local_subchannel_pool'?: number;
  'grpc.max_send_message_length'?: number;
  'grpc.max_receive_message_length'?: number;
  'grpc.enable_retries'?: number;
  'grpc.per_rpc_retry_buffer_size'?: number;
  'grpc.retry_buffer_size'?: number;
  'grpc.max_connection_age_ms'?: number;
  'grpc.max_connection_age_grace_ms'?: number;
  'grpc.max_connection_idle_ms'?: number;
  'grpc.client_idle_timeout_ms'?: number;
  'grpc.default_compression_algorithm'?: number;
  'grpc.default_compression_level'?: number;
  'grpc.enable_channelz'?: number;
  'grpc.enable_http_proxy'?: number;
  'grpc.dns_min_time_between_resolutions_ms'?: number;
  'grpc.http2.min_time_between_pings_ms'?: number;
  'grpc.http2.max_pings_without_data'?: number;
  'grpc.http2.min_ping_interval_without_data_ms'?: number;
  'grpc.lb_policy_name'?: string;
  // Any other key: C-core ignores arguments it does not know.
  [key: string]: any;
}

// The name this package adds to the user agent, before C-core's own `grpc-c/<version>`.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const USER_AGENT = `grpc-node-native/${require('../package.json').version}`;

// Options that C-core reads as integers. C-core ignores a string given for one of them, after logging an error
// that a grpc-js user would not look for, so they are checked here.
const INTEGER_OPTIONS = new Set([
  'grpc.keepalive_time_ms', 'grpc.keepalive_timeout_ms', 'grpc.keepalive_permit_without_calls',
  'grpc.service_config_disable_resolution', 'grpc.max_concurrent_streams', 'grpc.initial_reconnect_backoff_ms',
  'grpc.max_reconnect_backoff_ms', 'grpc.min_reconnect_backoff_ms', 'grpc.use_local_subchannel_pool',
  'grpc.max_send_message_length', 'grpc.max_receive_message_length', 'grpc.enable_retries',
  'grpc.per_rpc_retry_buffer_size', 'grpc.retry_buffer_size', 'grpc.max_connection_age_ms',
  'grpc.max_connection_age_grace_ms', 'grpc.max_connection_idle_ms', 'grpc.client_idle_timeout_ms',
  'grpc.default_compression_algorithm', 'grpc.default_compression_level', 'grpc.enable_channelz',
  'grpc.enable_http_proxy', 'grpc.dns_min_time_between_resolutions_ms', 'grpc.http2.min_time_between_pings_ms',
  'grpc.http2.max_pings_without_data', 'grpc.http2.min_ping_interval_without_data_ms', 'grpc.so_reuseport',
]);

/**
 * Translates options to C-core channel arguments. Booleans become 0 or 1; `undefined` values are skipped.
 * Throws a TypeError naming the option whose value C-core cannot take (objects, functions, fractions).
 */
export function channelOptionsToNative(options: ChannelOptions | undefined): Record<string, string | number> {
  const args: Record<string, string | number> = {};
  if (options === undefined || options === null) {
    return args;
  }
  if (typeof options !== 'object') {
    throw new TypeError('Channel options must be an object');
  }

  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key.startsWith('grpc-node.')) {
      continue;
    }
    if (typeof value === 'boolean') {
      args[key] = value ? 1 : 0;
    } else if (typeof value === 'string') {
      if (INTEGER_OPTIONS.has(key)) {
        throw new TypeError(`Channel option ${key} must be an integer, got the string "${value}"`);
      }
      args[key] = value;
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      // C-core's integer arguments are 32-bit; grpc-js accepts larger numbers for "no limit" and so do we.
      args[key] = Math.max(-0x80000000, Math.min(0x7fffffff, value));
    } else {
      throw new TypeError(`Channel option ${key} must be an integer, a string or a boolean, got ${String(value)}`);
    }
  }

  const primary = args['grpc.primary_user_agent'];
  args['grpc.primary_user_agent'] = typeof primary === 'string' ? `${primary} ${USER_AGENT}` : USER_AGENT;
  return args;
}
