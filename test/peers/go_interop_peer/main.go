// Command go_interop_peer is the gRPC interop test server and client on grpc-go, a peer for grpc-native's
// interop tests that shares no code with C-core or Node.js.
//
// It builds in GOPATH mode against Debian's golang-google-grpc-dev (grpc-go 1.33) with message and service
// code that test/helpers/go-peer.js generates at test time. Usage:
//
//	go_interop_peer server [--port N] [--tls --cert FILE --key FILE [--client-ca FILE]] [--exit_on_stdin_close]
//	go_interop_peer client --server_port N --test_case CASES [--server_host H] [--tls [--ca FILE]
//	    [--cert FILE --key FILE] [--server_host_override NAME]] [--call_timeout SECONDS]
//
// The server prints `listening on port N` once it serves. The client prints `PASS <case>` or
// `FAIL <case>: <reason>` per case and exits with 1 if any case failed.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io/ioutil"
	"os"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "server" && os.Args[1] != "client") {
		fmt.Fprintln(os.Stderr, "usage: go_interop_peer server|client [flags]; run with `server -h` or `client -h` for the flags")
		os.Exit(2)
	}
	if os.Args[1] == "server" {
		os.Exit(runServer(os.Args[2:]))
	}
	os.Exit(runClient(os.Args[2:]))
}

// loadCertPool returns a pool of the PEM certificates in path.
func loadCertPool(path string) (*x509.CertPool, error) {
	pem, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate found in %s", path)
	}
	return pool, nil
}

// loadKeyPair returns the certificate chain and private key from PEM files.
func loadKeyPair(certPath, keyPath string) ([]tls.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s and %s failed: %v", certPath, keyPath, err)
	}
	return []tls.Certificate{pair}, nil
}
