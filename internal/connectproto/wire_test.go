package connectproto

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestWireNumbers pins the field numbers and enum values the gateway puts on
// the wire: a renumbered field still compiles and round-trips with itself but
// no longer speaks to the real server.
func TestWireNumbers(t *testing.T) {
	t.Parallel()
	fields := []struct {
		msg    proto.Message
		fields map[string]protoreflect.FieldNumber
	}{
		{&ConnectMessage{}, map[string]protoreflect.FieldNumber{"kind": 1, "payload": 2}},
		{&AppConfiguration{}, map[string]protoreflect.FieldNumber{"app_name": 1, "app_version": 2, "functions": 4}},
		{&AuthData{}, map[string]protoreflect.FieldNumber{"session_token": 1, "sync_token": 2}},
		{&WorkerConnectRequestData{}, map[string]protoreflect.FieldNumber{
			"connection_id": 1, "instance_id": 2, "auth_data": 3, "capabilities": 4, "apps": 5,
			"worker_manual_readiness_ack": 6, "system_attributes": 7, "environment": 8, "framework": 9,
			"platform": 10, "sdk_version": 11, "sdk_language": 12, "started_at": 13, "max_worker_concurrency": 14,
		}},
		{&GatewayConnectionReadyData{}, map[string]protoreflect.FieldNumber{"heartbeat_interval": 1, "extend_lease_interval": 2, "status_interval": 3}},
		{&WorkerStatusData{}, map[string]protoreflect.FieldNumber{"in_flight_request_ids": 1, "shutdown_requested": 2}},
		{&GatewayExecutorRequestData{}, map[string]protoreflect.FieldNumber{
			"request_id": 1, "account_id": 2, "env_id": 3, "app_id": 4, "app_name": 5, "function_id": 6,
			"function_slug": 7, "step_id": 8, "request_payload": 9, "system_trace_ctx": 10, "user_trace_ctx": 11,
			"run_id": 12, "lease_id": 13, "job_id": 14,
		}},
		{&WorkerRequestAckData{}, map[string]protoreflect.FieldNumber{
			"request_id": 1, "account_id": 2, "env_id": 3, "app_id": 4, "function_slug": 5, "step_id": 6,
			"system_trace_ctx": 7, "user_trace_ctx": 8, "run_id": 9,
		}},
		{&WorkerRequestExtendLeaseData{}, map[string]protoreflect.FieldNumber{
			"request_id": 1, "account_id": 2, "env_id": 3, "app_id": 4, "function_slug": 5, "step_id": 6,
			"system_trace_ctx": 7, "user_trace_ctx": 8, "run_id": 9, "lease_id": 10,
		}},
		{&WorkerRequestExtendLeaseAckData{}, map[string]protoreflect.FieldNumber{
			"request_id": 1, "account_id": 2, "env_id": 3, "app_id": 4, "function_slug": 5, "new_lease_id": 6,
		}},
		{&SDKResponse{}, map[string]protoreflect.FieldNumber{
			"request_id": 1, "account_id": 2, "env_id": 3, "app_id": 4, "status": 5, "body": 6, "no_retry": 7,
			"retry_after": 8, "sdk_version": 9, "request_version": 10, "system_trace_ctx": 11,
			"user_trace_ctx": 12, "run_id": 13,
		}},
		{&WorkerReplyAckData{}, map[string]protoreflect.FieldNumber{"request_id": 1}},
		{&SystemAttributes{}, map[string]protoreflect.FieldNumber{"cpu_cores": 1, "mem_bytes": 2, "os": 3}},
		{&StartRequest{}, map[string]protoreflect.FieldNumber{"exclude_gateways": 1}},
		{&StartResponse{}, map[string]protoreflect.FieldNumber{
			"connection_id": 1, "gateway_endpoint": 2, "gateway_group": 3, "session_token": 4, "sync_token": 5,
		}},
		{&FlushResponse{}, map[string]protoreflect.FieldNumber{"request_id": 1}},
		{&SystemError{}, map[string]protoreflect.FieldNumber{"code": 1, "data": 2, "message": 3}},
	}
	for _, tc := range fields {
		d := tc.msg.ProtoReflect().Descriptor()
		t.Run(string(d.Name()), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, len(tc.fields), d.Fields().Len(), "field count")
			for name, num := range tc.fields {
				f := d.Fields().ByName(protoreflect.Name(name))
				require.NotNil(t, f, name)
				require.Equal(t, num, f.Number(), name)
			}
		})
	}

	kinds := map[GatewayMessageType]int32{
		GatewayMessageType_GATEWAY_HELLO: 0, GatewayMessageType_WORKER_CONNECT: 1,
		GatewayMessageType_GATEWAY_CONNECTION_READY: 2, GatewayMessageType_GATEWAY_EXECUTOR_REQUEST: 3,
		GatewayMessageType_WORKER_READY: 4, GatewayMessageType_WORKER_REQUEST_ACK: 5,
		GatewayMessageType_WORKER_REPLY: 6, GatewayMessageType_WORKER_REPLY_ACK: 7,
		GatewayMessageType_WORKER_PAUSE: 8, GatewayMessageType_WORKER_HEARTBEAT: 9,
		GatewayMessageType_GATEWAY_HEARTBEAT: 10, GatewayMessageType_GATEWAY_CLOSING: 11,
		GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE: 12, GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK: 13,
		GatewayMessageType_SYNC_FAILED: 14, GatewayMessageType_WORKER_STATUS: 15,
	}
	require.Len(t, GatewayMessageType_name, len(kinds))
	for k, v := range kinds {
		require.Equal(t, v, int32(k), k.String())
	}
	require.Equal(t, int32(2), int32(SDKResponseStatus_ERROR))
	require.Equal(t, int32(4), int32(WorkerDisconnectReason_MESSAGE_TOO_LARGE))
	require.Equal(t, int32(2), int32(ConnectionStatus_DRAINING))
}

// TestEnvelopeBytes checks an envelope's exact encoding against bytes written
// out by hand from the protobuf wire format (kind 3 as a varint in field 1, the
// payload as a length-delimited field 2).
func TestEnvelopeBytes(t *testing.T) {
	t.Parallel()
	inner, err := proto.Marshal(&WorkerReplyAckData{RequestId: "r1"})
	require.NoError(t, err)
	require.Equal(t, []byte{0x0a, 0x02, 'r', '1'}, inner)
	b, err := proto.Marshal(&ConnectMessage{Kind: GatewayMessageType_WORKER_REPLY_ACK, Payload: inner})
	require.NoError(t, err)
	require.Equal(t, []byte{0x08, 0x07, 0x12, 0x04, 0x0a, 0x02, 'r', '1'}, b)

	var back WorkerConnectRequestData
	src := &WorkerConnectRequestData{ConnectionId: "c", StartedAt: timestamppb.New(timestamppb.Now().AsTime()), MaxWorkerConcurrency: proto.Int64(3)}
	b, err = proto.Marshal(src)
	require.NoError(t, err)
	require.NoError(t, proto.Unmarshal(b, &back))
	require.True(t, proto.Equal(src, &back))
}
