package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	testpb "grpcnative/src/proto/grpc/testing"
)

const echoInitialValue = "test_initial_metadata_value"

var echoTrailingValue = string([]byte{0xab, 0xab, 0xab})

// interopClient runs the client cases of gRPC's interop test descriptions. Each case returns nil when every
// check passed, or an error that names the failed check.
type interopClient struct {
	testService   testpb.TestServiceClient
	unimplemented testpb.UnimplementedServiceClient
	// callTimeout is the deadline of every call that a case does not expect to time out. It only turns a hung
	// peer into a DEADLINE_EXCEEDED failure, so it is far above the expected duration.
	callTimeout time.Duration
}

func (c *interopClient) context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.callTimeout)
}

func checkEqual(label string, actual, expected interface{}) error {
	if fmt.Sprint(actual) != fmt.Sprint(expected) {
		return fmt.Errorf("%s is %#v, expected %#v", label, actual, expected)
	}
	return nil
}

func checkZeroPayload(label string, payload *testpb.Payload, expectedSize int) error {
	body := payload.GetBody()
	if err := checkEqual(label+" payload size", len(body), expectedSize); err != nil {
		return err
	}
	if !bytes.Equal(body, make([]byte, len(body))) {
		return fmt.Errorf("%s payload body contains non-zero bytes", label)
	}
	return nil
}

func describeError(err error) string {
	s := status.Convert(err)
	return fmt.Sprintf("status %s with details %q", s.Code(), s.Message())
}

// checkStatus checks that err carries the expected status code and returns its status.
func checkStatus(label string, err error, expected codes.Code) (*status.Status, error) {
	if err == nil {
		return nil, fmt.Errorf("%s succeeded, expected status %s", label, expected)
	}
	s := status.Convert(err)
	if s.Code() != expected {
		return nil, fmt.Errorf("%s ended with %s, expected status %s", label, describeError(err), expected)
	}
	return s, nil
}

func duplexRequest(responseSize, payloadSize int) *testpb.StreamingOutputCallRequest {
	return &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: int32(responseSize)}},
		Payload:            &testpb.Payload{Body: make([]byte, payloadSize)},
	}
}

// receiveAll reads responses until the stream ends and returns them with the stream's final error.
func receiveAll(stream testpb.TestService_FullDuplexCallClient) ([]*testpb.StreamingOutputCallResponse, error) {
	var responses []*testpb.StreamingOutputCallResponse
	for {
		response, err := stream.Recv()
		if err == io.EOF {
			return responses, nil
		}
		if err != nil {
			return responses, err
		}
		responses = append(responses, response)
	}
}

func (c *interopClient) emptyUnary() error {
	ctx, cancel := c.context()
	defer cancel()
	response, err := c.testService.EmptyCall(ctx, &testpb.Empty{})
	if err != nil {
		return fmt.Errorf("EmptyCall failed: %s", describeError(err))
	}
	if response == nil {
		return fmt.Errorf("EmptyCall response is nil, expected an Empty message")
	}
	return nil
}

func (c *interopClient) largeUnary() error {
	ctx, cancel := c.context()
	defer cancel()
	request := &testpb.SimpleRequest{ResponseSize: 314159, Payload: &testpb.Payload{Body: make([]byte, 271828)}}
	response, err := c.testService.UnaryCall(ctx, request)
	if err != nil {
		return fmt.Errorf("UnaryCall failed: %s", describeError(err))
	}
	return checkZeroPayload("response", response.GetPayload(), 314159)
}

func (c *interopClient) clientStreaming() error {
	ctx, cancel := c.context()
	defer cancel()
	stream, err := c.testService.StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall failed to start: %s", describeError(err))
	}
	for _, size := range []int{27182, 8, 1828, 45904} {
		if err := stream.Send(&testpb.StreamingInputCallRequest{Payload: &testpb.Payload{Body: make([]byte, size)}}); err != nil {
			break // CloseAndRecv returns the call's status.
		}
	}
	response, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("StreamingInputCall failed: %s", describeError(err))
	}
	return checkEqual("aggregated_payload_size", response.AggregatedPayloadSize, 74922)
}

func (c *interopClient) serverStreaming() error {
	ctx, cancel := c.context()
	defer cancel()
	sizes := []int{31415, 9, 2653, 58979}
	request := &testpb.StreamingOutputCallRequest{}
	for _, size := range sizes {
		request.ResponseParameters = append(request.ResponseParameters, &testpb.ResponseParameters{Size: int32(size)})
	}
	stream, err := c.testService.StreamingOutputCall(ctx, request)
	if err != nil {
		return fmt.Errorf("StreamingOutputCall failed to start: %s", describeError(err))
	}
	var responses []*testpb.StreamingOutputCallResponse
	for {
		response, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("StreamingOutputCall failed: %s", describeError(err))
		}
		responses = append(responses, response)
	}
	return checkResponseSizes(responses, sizes)
}

func checkResponseSizes(responses []*testpb.StreamingOutputCallResponse, sizes []int) error {
	if err := checkEqual("number of responses", len(responses), len(sizes)); err != nil {
		return err
	}
	for index, response := range responses {
		if err := checkZeroPayload(fmt.Sprintf("response %d", index+1), response.GetPayload(), sizes[index]); err != nil {
			return err
		}
	}
	return nil
}

func (c *interopClient) pingPong() error {
	ctx, cancel := c.context()
	defer cancel()
	responseSizes := []int{31415, 9, 2653, 58979}
	requestSizes := []int{27182, 8, 1828, 45904}
	stream, err := c.testService.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed to start: %s", describeError(err))
	}
	for index := range responseSizes {
		if err := stream.Send(duplexRequest(responseSizes[index], requestSizes[index])); err != nil && err != io.EOF {
			return fmt.Errorf("sending request %d failed: %v", index+1, err)
		}
		response, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("stream ended before response %d: %s", index+1, describeError(err))
		}
		if err := checkZeroPayload(fmt.Sprintf("response %d", index+1), response.GetPayload(), responseSizes[index]); err != nil {
			return err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("half-close failed: %v", err)
	}
	extra, err := receiveAll(stream)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed: %s", describeError(err))
	}
	if len(extra) != 0 {
		return fmt.Errorf("received %d responses after the fourth, expected exactly four", len(extra))
	}
	return nil
}

func (c *interopClient) emptyStream() error {
	ctx, cancel := c.context()
	defer cancel()
	stream, err := c.testService.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed to start: %s", describeError(err))
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("half-close failed: %v", err)
	}
	responses, err := receiveAll(stream)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed: %s", describeError(err))
	}
	return checkEqual("number of responses", len(responses), 0)
}

func (c *interopClient) timeoutOnSleepingServer() error {
	// The server responds only after the client half-closes, which it never does, so the 1 ms deadline
	// expires whatever the speed of the machine.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	stream, err := c.testService.FullDuplexCall(ctx)
	if err == nil {
		// A send can fail once the deadline has passed; Recv then returns the status.
		stream.Send(&testpb.StreamingOutputCallRequest{Payload: &testpb.Payload{Body: make([]byte, 27182)}})
		_, err = receiveAll(stream)
	}
	_, err = checkStatus("FullDuplexCall", err, codes.DeadlineExceeded)
	return err
}

func (c *interopClient) cancelAfterBegin() error {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.testService.StreamingInputCall(ctx)
	if err != nil {
		cancel()
		return fmt.Errorf("StreamingInputCall failed to start: %s", describeError(err))
	}
	cancel()
	_, err = stream.CloseAndRecv()
	_, err = checkStatus("StreamingInputCall", err, codes.Canceled)
	return err
}

func (c *interopClient) cancelAfterFirstResponse() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.testService.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed to start: %s", describeError(err))
	}
	if err := stream.Send(duplexRequest(31415, 27182)); err != nil && err != io.EOF {
		return fmt.Errorf("sending the request failed: %v", err)
	}
	response, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("stream ended before the first response: %s", describeError(err))
	}
	if err := checkZeroPayload("first response", response.GetPayload(), 31415); err != nil {
		return err
	}
	cancel()
	_, err = receiveAll(stream)
	_, err = checkStatus("FullDuplexCall", err, codes.Canceled)
	return err
}

func checkEchoedMetadata(label string, initial, trailing metadata.MD) error {
	if err := checkEqual(label+": "+echoInitialKey+" values in the initial metadata",
		fmt.Sprintf("%q", initial.Get(echoInitialKey)), fmt.Sprintf("%q", []string{echoInitialValue})); err != nil {
		return err
	}
	return checkEqual(label+": "+echoTrailingKey+" values in the trailers",
		fmt.Sprintf("%q", trailing.Get(echoTrailingKey)), fmt.Sprintf("%q", []string{echoTrailingValue}))
}

func (c *interopClient) customMetadata() error {
	ctx, cancel := c.context()
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, echoInitialKey, echoInitialValue, echoTrailingKey, echoTrailingValue)

	var initial, trailing metadata.MD
	request := &testpb.SimpleRequest{ResponseSize: 314159, Payload: &testpb.Payload{Body: make([]byte, 271828)}}
	response, err := c.testService.UnaryCall(ctx, request, grpc.Header(&initial), grpc.Trailer(&trailing))
	if err != nil {
		return fmt.Errorf("UnaryCall failed: %s", describeError(err))
	}
	if err := checkZeroPayload("UnaryCall response", response.GetPayload(), 314159); err != nil {
		return err
	}
	if err := checkEchoedMetadata("UnaryCall", initial, trailing); err != nil {
		return err
	}

	stream, err := c.testService.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed to start: %s", describeError(err))
	}
	if err := stream.Send(duplexRequest(314159, 271828)); err != nil && err != io.EOF {
		return fmt.Errorf("sending the request failed: %v", err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("half-close failed: %v", err)
	}
	responses, err := receiveAll(stream)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed: %s", describeError(err))
	}
	if err := checkResponseSizes(responses, []int{314159}); err != nil {
		return err
	}
	streamInitial, err := stream.Header()
	if err != nil {
		return fmt.Errorf("FullDuplexCall initial metadata: %s", describeError(err))
	}
	return checkEchoedMetadata("FullDuplexCall", streamInitial, stream.Trailer())
}

func (c *interopClient) checkEchoedStatus(message string, duplex bool) error {
	ctx, cancel := c.context()
	defer cancel()
	responseStatus := &testpb.EchoStatus{Code: int32(codes.Unknown), Message: message}

	_, err := c.testService.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: responseStatus})
	s, err := checkStatus("UnaryCall", err, codes.Unknown)
	if err != nil {
		return err
	}
	if err := checkEqual("UnaryCall status details", fmt.Sprintf("%q", s.Message()), fmt.Sprintf("%q", message)); err != nil {
		return err
	}
	if !duplex {
		return nil
	}

	stream, err := c.testService.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall failed to start: %s", describeError(err))
	}
	stream.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: responseStatus})
	stream.CloseSend()
	_, err = receiveAll(stream)
	s, err = checkStatus("FullDuplexCall", err, codes.Unknown)
	if err != nil {
		return err
	}
	return checkEqual("FullDuplexCall status details", fmt.Sprintf("%q", s.Message()), fmt.Sprintf("%q", message))
}

func (c *interopClient) statusCodeAndMessage() error {
	return c.checkEchoedStatus("test status message", true)
}

func (c *interopClient) specialStatusMessage() error {
	return c.checkEchoedStatus("\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n", false)
}

func (c *interopClient) unimplementedMethod() error {
	ctx, cancel := c.context()
	defer cancel()
	_, err := c.testService.UnimplementedCall(ctx, &testpb.Empty{})
	_, err = checkStatus("UnimplementedCall", err, codes.Unimplemented)
	return err
}

func (c *interopClient) unimplementedService() error {
	ctx, cancel := c.context()
	defer cancel()
	_, err := c.unimplemented.UnimplementedCall(ctx, &testpb.Empty{})
	_, err = checkStatus("UnimplementedService/UnimplementedCall", err, codes.Unimplemented)
	return err
}

// caseNames lists the cases in the order that `--test_case all` runs them.
var caseNames = []string{
	"empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
	"timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response", "custom_metadata",
	"status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
}

func (c *interopClient) cases() map[string]func() error {
	return map[string]func() error{
		"empty_unary":                 c.emptyUnary,
		"large_unary":                 c.largeUnary,
		"client_streaming":            c.clientStreaming,
		"server_streaming":            c.serverStreaming,
		"ping_pong":                   c.pingPong,
		"empty_stream":                c.emptyStream,
		"timeout_on_sleeping_server":  c.timeoutOnSleepingServer,
		"cancel_after_begin":          c.cancelAfterBegin,
		"cancel_after_first_response": c.cancelAfterFirstResponse,
		"custom_metadata":             c.customMetadata,
		"status_code_and_message":     c.statusCodeAndMessage,
		"special_status_message":      c.specialStatusMessage,
		"unimplemented_method":        c.unimplementedMethod,
		"unimplemented_service":       c.unimplementedService,
	}
}

type clientFlags struct {
	serverHost         string
	serverPort         int
	testCases          []string
	useTLS             bool
	caPath             string
	certPath           string
	keyPath            string
	serverHostOverride string
	callTimeout        time.Duration
}

func parseClientFlags(args []string) (clientFlags, error) {
	var parsed clientFlags
	var testCase string
	var callTimeoutSeconds float64
	flags := flag.NewFlagSet("go_interop_peer client", flag.ContinueOnError)
	flags.StringVar(&parsed.serverHost, "server_host", "127.0.0.1", "server address")
	flags.IntVar(&parsed.serverPort, "server_port", 0, "server TCP port (required)")
	flags.StringVar(&testCase, "test_case", "", "case name, comma-separated case names, or \"all\"; cases: "+
		strings.Join(caseNames, ", "))
	flags.BoolVar(&parsed.useTLS, "tls", false, "connect with TLS")
	flags.StringVar(&parsed.caPath, "ca", "", "PEM file of the CA to trust (with --tls; default: the system roots)")
	flags.StringVar(&parsed.certPath, "cert", "", "PEM file of the client certificate chain, for mutual TLS")
	flags.StringVar(&parsed.keyPath, "key", "", "PEM file of the client private key, for mutual TLS")
	flags.StringVar(&parsed.serverHostOverride, "server_host_override", "",
		"name to check the server certificate against and to send as :authority")
	flags.Float64Var(&callTimeoutSeconds, "call_timeout", 10, "deadline of each call, in seconds")
	if err := flags.Parse(args); err != nil {
		return parsed, err
	}
	parsed.callTimeout = time.Duration(callTimeoutSeconds * float64(time.Second))

	if parsed.serverPort <= 0 {
		return parsed, fmt.Errorf("--server_port must be a positive port number, got %d", parsed.serverPort)
	}
	if testCase == "" {
		return parsed, fmt.Errorf("--test_case is required; cases: %s", strings.Join(caseNames, ", "))
	}
	if testCase == "all" {
		parsed.testCases = caseNames
	} else {
		parsed.testCases = strings.Split(testCase, ",")
		known := (&interopClient{}).cases()
		for _, name := range parsed.testCases {
			if known[name] == nil {
				return parsed, fmt.Errorf("unknown --test_case %s; cases: %s", name, strings.Join(caseNames, ", "))
			}
		}
	}
	if !parsed.useTLS && (parsed.caPath != "" || parsed.certPath != "" || parsed.keyPath != "" ||
		parsed.serverHostOverride != "") {
		return parsed, fmt.Errorf("--ca, --cert, --key and --server_host_override require --tls")
	}
	if (parsed.certPath == "") != (parsed.keyPath == "") {
		return parsed, fmt.Errorf("--cert and --key must be given together")
	}
	return parsed, nil
}

func dialOptions(parsed clientFlags) ([]grpc.DialOption, error) {
	if !parsed.useTLS {
		return []grpc.DialOption{grpc.WithInsecure()}, nil
	}
	config := &tls.Config{ServerName: parsed.serverHostOverride}
	if parsed.caPath != "" {
		pool, err := loadCertPool(parsed.caPath)
		if err != nil {
			return nil, err
		}
		config.RootCAs = pool
	}
	if parsed.certPath != "" {
		certificates, err := loadKeyPair(parsed.certPath, parsed.keyPath)
		if err != nil {
			return nil, err
		}
		config.Certificates = certificates
	}
	options := []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(config))}
	if parsed.serverHostOverride != "" {
		options = append(options, grpc.WithAuthority(parsed.serverHostOverride))
	}
	return options, nil
}

func runClient(args []string) int {
	parsed, err := parseClientFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go interop client:", err)
		return 2
	}
	options, err := dialOptions(parsed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go interop client:", err)
		return 1
	}
	target := net.JoinHostPort(parsed.serverHost, strconv.Itoa(parsed.serverPort))
	conn, err := grpc.Dial(target, options...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go interop client: dialing %s failed: %v\n", target, err)
		return 1
	}
	defer conn.Close()

	client := &interopClient{
		testService:   testpb.NewTestServiceClient(conn),
		unimplemented: testpb.NewUnimplementedServiceClient(conn),
		callTimeout:   parsed.callTimeout,
	}
	cases := client.cases()
	failed := 0
	for _, name := range parsed.testCases {
		if err := cases[name](); err != nil {
			failed++
			fmt.Printf("FAIL %s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}
