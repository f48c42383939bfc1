package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	testpb "grpcnative/src/proto/grpc/testing"
)

const (
	echoInitialKey  = "x-grpc-test-echo-initial"
	echoTrailingKey = "x-grpc-test-echo-trailing-bin"
)

// testServer implements grpc.testing.TestService as gRPC's interop test descriptions define it:
// zero-filled payloads of the requested sizes, interval_us delays, response_status echo and the
// x-grpc-test-echo-initial / x-grpc-test-echo-trailing-bin metadata echo. A response_status with code OK
// is ignored, and so are the compression fields. CacheableUnaryCall is not implemented.
type testServer struct {
	testpb.UnimplementedTestServiceServer
}

// echoMetadata returns the echo headers that the client sent, split into initial and trailing metadata.
func echoMetadata(ctx context.Context) (initial, trailing metadata.MD) {
	received, _ := metadata.FromIncomingContext(ctx)
	initial = metadata.MD{}
	trailing = metadata.MD{}
	if values := received.Get(echoInitialKey); len(values) > 0 {
		initial.Set(echoInitialKey, values...)
	}
	if values := received.Get(echoTrailingKey); len(values) > 0 {
		trailing.Set(echoTrailingKey, values...)
	}
	return initial, trailing
}

// checkRequest returns the status error that the request's response_status sets, INVALID_ARGUMENT for a
// request the server cannot serve, or nil.
func checkRequest(responseType testpb.PayloadType, responseStatus *testpb.EchoStatus, sizes []int32) error {
	if responseStatus != nil && responseStatus.Code != 0 {
		return status.Error(codes.Code(responseStatus.Code), responseStatus.Message)
	}
	if responseType != testpb.PayloadType_COMPRESSABLE {
		return status.Errorf(codes.InvalidArgument, "unsupported response_type %v, only COMPRESSABLE is supported",
			responseType)
	}
	for _, size := range sizes {
		if size < 0 {
			return status.Errorf(codes.InvalidArgument, "invalid response size %d, must be >= 0", size)
		}
	}
	return nil
}

func newPayload(size int32) *testpb.Payload {
	return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: make([]byte, size)}
}

func (testServer) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	initial, trailing := echoMetadata(ctx)
	if err := grpc.SendHeader(ctx, initial); err != nil {
		return nil, err
	}
	grpc.SetTrailer(ctx, trailing)
	return &testpb.Empty{}, nil
}

func (testServer) UnaryCall(ctx context.Context, request *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	initial, trailing := echoMetadata(ctx)
	if err := grpc.SendHeader(ctx, initial); err != nil {
		return nil, err
	}
	grpc.SetTrailer(ctx, trailing)
	if err := checkRequest(request.ResponseType, request.ResponseStatus, []int32{request.ResponseSize}); err != nil {
		return nil, err
	}
	return &testpb.SimpleResponse{Payload: newPayload(request.ResponseSize)}, nil
}

// responseSender is the sending side of the server streams of StreamingOutputCall, FullDuplexCall and
// HalfDuplexCall.
type responseSender interface {
	Send(*testpb.StreamingOutputCallResponse) error
	Context() context.Context
}

// sendResponses sends one response per ResponseParameters entry, sleeping interval_us before each.
func sendResponses(stream responseSender, request *testpb.StreamingOutputCallRequest) error {
	sizes := make([]int32, 0, len(request.ResponseParameters))
	for _, parameters := range request.ResponseParameters {
		sizes = append(sizes, parameters.Size)
	}
	if err := checkRequest(request.ResponseType, request.ResponseStatus, sizes); err != nil {
		return err
	}
	for _, parameters := range request.ResponseParameters {
		if parameters.IntervalUs > 0 {
			select {
			case <-time.After(time.Duration(parameters.IntervalUs) * time.Microsecond):
			case <-stream.Context().Done():
				return stream.Context().Err()
			}
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: newPayload(parameters.Size)}); err != nil {
			return err
		}
	}
	return nil
}

// startStream sends the echoed initial metadata and sets the echoed trailers of a streaming call.
func startStream(stream grpc.ServerStream) error {
	initial, trailing := echoMetadata(stream.Context())
	stream.SetTrailer(trailing)
	return stream.SendHeader(initial)
}

func (testServer) StreamingOutputCall(request *testpb.StreamingOutputCallRequest,
	stream testpb.TestService_StreamingOutputCallServer) error {
	if err := startStream(stream); err != nil {
		return err
	}
	return sendResponses(stream, request)
}

func (testServer) StreamingInputCall(stream testpb.TestService_StreamingInputCallServer) error {
	if err := startStream(stream); err != nil {
		return err
	}
	var size int32
	for {
		request, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: size})
		}
		if err != nil {
			return err
		}
		size += int32(len(request.GetPayload().GetBody()))
	}
}

func (testServer) FullDuplexCall(stream testpb.TestService_FullDuplexCallServer) error {
	if err := startStream(stream); err != nil {
		return err
	}
	for {
		request, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := sendResponses(stream, request); err != nil {
			return err
		}
	}
}

func (testServer) HalfDuplexCall(stream testpb.TestService_HalfDuplexCallServer) error {
	if err := startStream(stream); err != nil {
		return err
	}
	var requests []*testpb.StreamingOutputCallRequest
	for {
		request, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		requests = append(requests, request)
	}
	for _, request := range requests {
		if err := sendResponses(stream, request); err != nil {
			return err
		}
	}
	return nil
}

type serverFlags struct {
	host             string
	port             int
	useTLS           bool
	certPath         string
	keyPath          string
	clientCAPath     string
	exitOnStdinClose bool
}

func parseServerFlags(args []string) (serverFlags, error) {
	var parsed serverFlags
	flags := flag.NewFlagSet("go_interop_peer server", flag.ContinueOnError)
	flags.StringVar(&parsed.host, "host", "127.0.0.1", "address to bind")
	flags.IntVar(&parsed.port, "port", 0, "TCP port to bind; 0 picks a free one")
	flags.BoolVar(&parsed.useTLS, "tls", false, "serve TLS with --cert and --key")
	flags.StringVar(&parsed.certPath, "cert", "", "PEM file of the server certificate chain (with --tls)")
	flags.StringVar(&parsed.keyPath, "key", "", "PEM file of the unencrypted server private key (with --tls)")
	flags.StringVar(&parsed.clientCAPath, "client-ca", "",
		"PEM file of the CA that signs client certificates; requires client certificates (with --tls)")
	flags.BoolVar(&parsed.exitOnStdinClose, "exit_on_stdin_close", false,
		"exit when standard input reaches end of file, so that the server ends with the process that started it")
	if err := flags.Parse(args); err != nil {
		return parsed, err
	}
	if parsed.useTLS && (parsed.certPath == "" || parsed.keyPath == "") {
		return parsed, fmt.Errorf("--tls requires --cert and --key")
	}
	if !parsed.useTLS && (parsed.certPath != "" || parsed.keyPath != "" || parsed.clientCAPath != "") {
		return parsed, fmt.Errorf("--cert, --key and --client-ca require --tls")
	}
	return parsed, nil
}

func serverOptions(parsed serverFlags) ([]grpc.ServerOption, error) {
	if !parsed.useTLS {
		return nil, nil
	}
	certificates, err := loadKeyPair(parsed.certPath, parsed.keyPath)
	if err != nil {
		return nil, err
	}
	config := &tls.Config{Certificates: certificates}
	if parsed.clientCAPath != "" {
		pool, err := loadCertPool(parsed.clientCAPath)
		if err != nil {
			return nil, err
		}
		config.ClientCAs = pool
		config.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return []grpc.ServerOption{grpc.Creds(credentials.NewTLS(config))}, nil
}

func runServer(args []string) int {
	logger := log.New(os.Stderr, "go interop server: ", 0)
	parsed, err := parseServerFlags(args)
	if err != nil {
		logger.Print(err)
		return 2
	}
	options, err := serverOptions(parsed)
	if err != nil {
		logger.Print(err)
		return 1
	}

	address := net.JoinHostPort(parsed.host, strconv.Itoa(parsed.port))
	listener, err := net.Listen("tcp", address)
	if err != nil {
		logger.Printf("failed to listen on %s: %v", address, err)
		return 1
	}
	server := grpc.NewServer(options...)
	testpb.RegisterTestServiceServer(server, &testServer{})

	if parsed.exitOnStdinClose {
		go func() {
			io.Copy(ioutil.Discard, os.Stdin)
			os.Exit(0)
		}()
	}
	fmt.Printf("listening on port %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		logger.Printf("serving failed: %v", err)
		return 1
	}
	return 0
}
