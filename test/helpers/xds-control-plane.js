'use strict';
// A test-only xDS control plane on @grpc/grpc-js: an Aggregated Discovery Service that sends a listener, a cluster
// and an endpoint per service, so that a channel to `xds:///<service>` reaches a backend on this machine.
//
// The protos are gRPC's local copies of Envoy's xDS protos (test/xds/proto, from gRPC 1.51's
// src/proto/grpc/testing/xds/v3), whose packages and type URLs are Envoy's. The resources are:
//   Listener <service>, with an HttpConnectionManager that contains the route configuration inline and the router
//   filter; its one route sends every call to cluster `<service>-cluster`;
//   Cluster <service>-cluster, of type EDS, round robin. Without a transport socket the channel's xDS credentials
//   use their fallback credentials; with one (see startXdsControlPlane) they use TLS as the cluster says;
//   ClusterLoadAssignment <service>-endpoints, with the backend's address.
// The service responds to each new set of requested names of a type, and ignores the ACKs that follow.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO_ROOT = path.join(__dirname, '..', 'xds', 'proto');
const PROTO_DIR = 'src/proto/grpc/testing/xds/v3';
const FILES = ['ads', 'listener', 'http_connection_manager', 'route', 'cluster', 'endpoint', 'router', 'tls']
  .map((name) => `${PROTO_DIR}/${name}.proto`);

const TYPE = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  httpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
};


let loaded = null;

/** Loads the protos once: protobufjs types to encode resources, and the ADS service definition for grpc-js. */
function load() {
  if (loaded === null) {
    const root = new protobuf.Root();
    // protobufjs has the google/protobuf types built in; every other import is under PROTO_ROOT.
    root.resolvePath = (origin, target) =>
      (target.startsWith('google/protobuf/') ? target : path.join(PROTO_ROOT, target));
    root.loadSync(FILES, { keepCase: true });
    const definition = protoLoader.loadSync(`${PROTO_DIR}/ads.proto`, { includeDirs: [PROTO_ROOT], keepCase: true });
    const discovery = grpc.loadPackageDefinition(definition).envoy.service.discovery.v3;
    const service = discovery.AggregatedDiscoveryService.service;
    loaded = { root, service };
  }
  return loaded;
}

/** Packs `message` (a plain object, enums by name) as a google.protobuf.Any of `typeUrl`. */
function pack(root, typeUrl, message) {
  const type = root.lookupType(typeUrl.slice(typeUrl.indexOf('/') + 1));
  const converted = type.fromObject(message);
  const error = type.verify(converted);
  if (error) {
    throw new Error(`invalid ${typeUrl}: ${error}`);
  }
  return { type_url: typeUrl, value: Buffer.from(type.encode(converted).finish()) };
}

/**
 * Returns the cluster's transport socket for TLS from the control plane: the client verifies the server against the CA
 * of the bootstrap's certificate provider `instanceName`. Without SAN matchers, gRPC checks the chain only.
 */
function upstreamTlsSocket(root, instanceName) {
  const context = {
    common_tls_context: { validation_context: { ca_certificate_provider_instance: { instance_name: instanceName } } },
  };
  return { name: 'envoy.transport_sockets.tls', typed_config: pack(root, TYPE.upstreamTls, context) };
}

/** Adds the listener, cluster and endpoints of one service to `resources`, by type URL and resource name. */
function addService(root, resources, { name, backendPort }, certificateProvider) {
  const clusterName = `${name}-cluster`;
  const endpointsName = `${name}-endpoints`;
  const httpConnectionManager = {
    route_config: {
      name: `${name}-routes`,
      virtual_hosts: [{
        name,
        domains: ['*'],
        routes: [{ match: { prefix: '' }, route: { cluster: clusterName } }],
      }],
    },
    http_filters: [{ name: 'router', typed_config: pack(root, TYPE.router, {}) }],
  };
  resources[TYPE.listener][name] = pack(root, TYPE.listener, {
    name,
    api_listener: { api_listener: pack(root, TYPE.httpConnectionManager, httpConnectionManager) },
  });
  resources[TYPE.cluster][clusterName] = pack(root, TYPE.cluster, {
    name: clusterName,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} }, service_name: endpointsName },
    lb_policy: 'ROUND_ROBIN',
    ...(certificateProvider ? { transport_socket: upstreamTlsSocket(root, certificateProvider) } : {}),
  });
  resources[TYPE.endpoints][endpointsName] = pack(root, TYPE.endpoints, {
    cluster_name: endpointsName,
    endpoints: [{
      locality: { region: 'local', zone: 'local', sub_zone: 'local' },
      load_balancing_weight: { value: 1 },
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: backendPort } } } }],
    }],
  });
}

/**
 * Starts the control plane on 127.0.0.1 and a free port. Each of `services` is `{name, backendPort,
 * caCertificateFile}`: calls to `xds:///<name>` go to 127.0.0.1:`backendPort`, and with `caCertificateFile` the
 * cluster tells clients to use TLS and trust that CA, through a file watcher certificate provider in the
 * bootstrap. Resolves to `{address, bootstrap, requests, stop}`: `bootstrap` is the JSON for
 * GRPC_XDS_BOOTSTRAP_CONFIG, `requests` lists the type URLs that clients requested, and `stop()` shuts the control
 * plane down.
 */
function startXdsControlPlane({ services }) {
  const { root, service } = load();
  const resources = { [TYPE.listener]: {}, [TYPE.cluster]: {}, [TYPE.endpoints]: {} };
  const certificateProviders = {};
  services.forEach((entry, i) => {
    let provider = null;
    if (entry.caCertificateFile !== undefined) {
      provider = `certificates-${i}`;
      certificateProviders[provider] = {
        plugin_name: 'file_watcher',
        config: { ca_certificate_file: entry.caCertificateFile },
      };
    }
    addService(root, resources, entry, provider);
  });

  const requests = [];
  const server = new grpc.Server();
  server.addService(service, {
    StreamAggregatedResources(call) {
      // The resource names last sent per type: a request for the same names is an ACK and gets no response.
      const sentNames = new Map();
      let nonce = 0;
      call.on('data', (request) => {
        requests.push(request.type_url);
        const known = resources[request.type_url];
        const names = [...request.resource_names].sort().join(',');
        if (known === undefined || sentNames.get(request.type_url) === names) {
          return;
        }
        sentNames.set(request.type_url, names);
        nonce++;
        const requested = request.resource_names.filter((name) => name in known).map((name) => known[name]);
        call.write({ version_info: `${nonce}`, type_url: request.type_url, nonce: `${nonce}`, resources: requested });
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
        return;
      }
      const address = `127.0.0.1:${port}`;
      const bootstrap = {
        xds_servers: [{ server_uri: address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
        node: { id: 'grpc-native-test', cluster: 'grpc-native-test', locality: { region: 'local', zone: 'local' } },
        certificate_providers: certificateProviders,
      };
      resolve({
        address,
        bootstrap: JSON.stringify(bootstrap),
        requests,
        stop: () => new Promise((done) => server.tryShutdown(() => done())),
      });
    });
  });
}

module.exports = { startXdsControlPlane };
