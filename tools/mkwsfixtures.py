#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made WebSocket capture fixtures (tests/fixtures/README.md).

No fake provider speaks WebSocket yet, so these two are built here, frame
by frame, as the clients and the server would send them: client frames
masked, permessage-deflate as RFC 7692 says (sync flush, the 00 00 ff ff
tail removed, one compressor per direction kept across messages), and the
server's own account of what it sent written next to each capture
(<name>.expect.jsonl), as tools/fakeai.py does for recorded fixtures.

  openai-responses-ws-deflate  Responses API over WebSocket (codex style):
      a generate:false prewarm, then a response.create answered by a
      stream with a fragmented delta, a ping between the fragments, and
      response.completed; permessage-deflate with context takeover both ways.
  openai-realtime-ws           Realtime API session (no deflate: the server
      declined it): session.update, a text response, then audio appended
      and a second response with audio tokens; usage in response.done.

Message shapes follow openai/codex (codex-rs/codex-api responses_websocket,
ResponseCreateWsRequest with "generate") and the openai-node Realtime
types (RealtimeResponseUsage with input_token_details.cached_tokens_details).
What a real server sends for a prewarm is an assumption: response.created
and response.completed with input usage and no output.

Usage: tools/mkwsfixtures.py [--out tests/fixtures]
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import zlib

KEY = "sk-fixture-not-a-real-key"
T0 = 1795500000000000000


class Capture:
    def __init__(self, host, comm, pid):
        self.lines = [{"tokentap_capture": 1}]
        self.ts = T0
        self.lines.append({"ts_ns": self.tick(), "conn": 1,
                           "open": {"host": host, "pid": pid, "comm": comm}})

    def tick(self, ns=250000):
        self.ts += ns
        return self.ts

    def data(self, direction, raw):
        self.lines.append({"ts_ns": self.tick(), "conn": 1, "dir": direction,
                           "data": base64.b64encode(raw).decode()})

    def close(self):
        self.lines.append({"ts_ns": self.tick(), "conn": 1, "close": True})

    def write(self, path):
        with open(path, "w") as f:
            for ln in self.lines:
                f.write(json.dumps(ln, separators=(",", ":")) + "\n")


def frame(payload, op=1, fin=True, rsv1=False, mask=None):
    """One RFC 6455 frame; mask: 4 bytes for client frames."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        head += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return head + payload


class Sender:
    """One direction: masks (client) and deflates (when agreed)."""

    def __init__(self, client, deflate):
        self.client = client
        self.z = zlib.compressobj(6, zlib.DEFLATED, -15) if deflate else None
        self.n = 0

    def mask(self):
        if not self.client:
            return None
        self.n += 1
        return hashlib.sha256(b"mask%d" % self.n).digest()[:4]

    def message(self, obj, split=None, between=b""):
        """A JSON text message; split: cut the payload there into two
        frames, with `between` (whole frames) in the middle."""
        raw = json.dumps(obj, separators=(",", ":")).encode()
        rsv1 = False
        if self.z:
            raw = self.z.compress(raw) + self.z.flush(zlib.Z_SYNC_FLUSH)
            assert raw.endswith(b"\x00\x00\xff\xff")
            raw, rsv1 = raw[:-4], True
        if split is None:
            return frame(raw, rsv1=rsv1, mask=self.mask())
        cut = min(split, len(raw) - 1)
        return (frame(raw[:cut], fin=False, rsv1=rsv1, mask=self.mask()) +
                between + frame(raw[cut:], op=0, mask=self.mask()))

    def control(self, op, payload=b""):
        return frame(payload, op=op, mask=self.mask())


def handshake(target, host, headers, extensions_reply, request_id):
    key = base64.b64encode(hashlib.sha256(target.encode()).digest()[:16]).decode()
    accept = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    req = ["GET %s HTTP/1.1" % target, "Host: %s" % host, "Connection: Upgrade",
           "Upgrade: websocket", "Sec-WebSocket-Version: 13",
           "Sec-WebSocket-Key: %s" % key,
           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
           "Authorization: Bearer %s" % KEY] + headers
    resp = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
            "Connection: Upgrade", "Sec-WebSocket-Accept: %s" % accept,
            "x-request-id: %s" % request_id]
    if extensions_reply:
        resp.append("Sec-WebSocket-Extensions: %s" % extensions_reply)
    return (("\r\n".join(req) + "\r\n\r\n").encode(),
            ("\r\n".join(resp) + "\r\n\r\n").encode())


def usage_expected(inp, out, cached, reasoning):
    return {"input_tokens": inp, "output_tokens": out,
            "cache_read_input_tokens": cached, "cache_creation_input_tokens": None,
            "reasoning_tokens": reasoning, "total_tokens": inp + out}


def expect_line(seq, path, operation, req_model, resp_model, resp_id, rid,
                usage_sent, expected):
    return {"event": "exchange", "conn": 1, "seq": seq, "method": "GET",
            "path": path, "transport": "websocket", "provider": "openai",
            "operation": operation, "request_model": req_model,
            "response_model": resp_model, "stream": True, "request_id": rid,
            "response_id": resp_id, "status": 101, "aborted": False,
            "usage_sent": usage_sent, "usage_expected": expected,
            "expect": {"provider": "openai", "operation": operation,
                       "request_model": req_model, "response_model": resp_model,
                       "stream": True, "status": 101, "outcome": "success",
                       "request_id": rid, "usage": expected}}


def responses_fixture(out):
    rid = "req_5f0c2a4be1d94c3fa0a1b2c3d4e5f601"
    model, served = "gpt-5.2-codex", "gpt-5.2-codex-2026-01-15"
    cap = Capture("api.openai.com", "codex", 41001)
    req, resp = handshake("/v1/responses", "api.openai.com", [
        "OpenAI-Beta: responses_websockets=2026-02-06",
        "originator: codex_cli_rs",
        "User-Agent: codex_cli_rs/0.135.0 (Debian 12; x86_64) xterm-256color",
        "session-id: 0199a6f2-1111-7000-8000-000000000001",
        "x-client-request-id: 0199a6f2-1111-7000-8000-000000000001"],
        "permessage-deflate; client_max_window_bits=15", rid)
    cap.data("egress", req)
    cap.data("ingress", resp)
    client, server = Sender(True, True), Sender(False, True)
    create = {"type": "response.create", "model": model,
              "instructions": "fixture instructions", "input": [
                  {"type": "message", "role": "user", "content": [
                      {"type": "input_text", "text": "fixture websocket turn"}]}],
              "tools": [], "tool_choice": "auto", "parallel_tool_calls": False,
              "reasoning": {"effort": "medium"}, "store": False, "stream": True,
              "include": [], "prompt_cache_key": "0199a6f2-1111"}
    # 1: the prewarm.
    cap.data("egress", client.message(dict(create, generate=False)))
    u1 = {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 0},
          "output_tokens": 0, "output_tokens_details": {"reasoning_tokens": 0},
          "total_tokens": 1200}
    r1 = {"id": "resp_ws_prewarm_0001", "object": "response", "model": served,
          "status": "in_progress", "output": [], "usage": None}
    cap.data("ingress", server.message({"type": "response.created",
                                        "sequence_number": 0, "response": r1}))
    cap.data("ingress", server.message({"type": "response.completed",
                                        "sequence_number": 1, "response": dict(
                                            r1, status="completed", usage=u1)}))
    # 2: the turn, continuing the prewarmed response.
    cap.data("egress", client.message(dict(
        create, previous_response_id="resp_ws_prewarm_0001", input=[])))
    r2 = {"id": "resp_ws_turn_0002", "object": "response", "model": served,
          "status": "in_progress", "output": [], "usage": None}
    seq = 0
    ev = [{"type": "response.created", "response": r2},
          {"type": "response.in_progress", "response": r2},
          {"type": "response.output_item.added", "output_index": 0,
           "item": {"type": "message", "id": "msg_ws_1", "role": "assistant",
                    "content": []}}]
    for e in ev:
        e["sequence_number"] = seq
        seq += 1
        cap.data("ingress", server.message(e))
    for i, text in enumerate(["fixture ", "reply ", "text"]):
        delta = {"type": "response.output_text.delta", "item_id": "msg_ws_1",
                 "output_index": 0, "content_index": 0, "delta": text,
                 "sequence_number": seq}
        seq += 1
        if i == 1:
            # Fragmented, a ping between the fragments; the client pongs.
            cap.data("ingress", server.message(delta, split=7,
                                               between=server.control(9, b"hb")))
            cap.data("egress", client.control(10, b"hb"))
        else:
            cap.data("ingress", server.message(delta))
    u2 = {"input_tokens": 1250, "input_tokens_details": {"cached_tokens": 1152},
          "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 16},
          "total_tokens": 1290}
    cap.data("ingress", server.message({"type": "response.completed",
                                        "sequence_number": seq, "response": dict(
                                            r2, status="completed", usage=u2)}))
    cap.data("egress", client.control(8, struct.pack(">H", 1000)))
    cap.data("ingress", server.control(8, struct.pack(">H", 1000)))
    cap.close()
    name = "openai-responses-ws-deflate"
    cap.write(os.path.join(out, name + ".capture.jsonl"))
    lines = [
        expect_line(0, "/v1/responses", "responses_prewarm", model, served,
                    r1["id"], rid, {"response.completed": u1},
                    usage_expected(1200, 0, 0, 0)),
        expect_line(1, "/v1/responses", "responses", model, served, r2["id"],
                    rid, {"response.completed": u2},
                    usage_expected(1250, 40, 1152, 16)),
    ]
    with open(os.path.join(out, name + ".expect.jsonl"), "w") as f:
        for ln in lines:
            f.write(json.dumps(ln, separators=(",", ":")) + "\n")


def realtime_fixture(out):
    rid = "req_9a8b7c6d5e4f40a1b2c3d4e5f6a7b8c9"
    model, served = "gpt-realtime", "gpt-realtime-2025-08-28"
    cap = Capture("api.openai.com", "node", 41002)
    req, resp = handshake("/v1/realtime?model=" + model, "api.openai.com", [
        "User-Agent: OpenAI/JS 6.9.1", "X-Stainless-Lang: js",
        "X-Stainless-Package-Version: 6.9.1", "X-Stainless-Runtime: node",
        "X-Stainless-Runtime-Version: v20.19.2"], None, rid)
    cap.data("egress", req)
    cap.data("ingress", resp)
    client, server = Sender(True, False), Sender(False, False)
    session = {"id": "sess_fixture_1", "object": "realtime.session",
               "type": "realtime", "model": served,
               "instructions": "fixture session instructions",
               "output_modalities": ["audio"]}
    cap.data("ingress", server.message({"type": "session.created",
                                        "event_id": "event_1", "session": session}))
    cap.data("egress", client.message({"type": "session.update", "session": {
        "type": "realtime", "instructions": "fixture instructions",
        "output_modalities": ["text"]}}))
    cap.data("ingress", server.message({"type": "session.updated",
                                        "event_id": "event_2", "session": session}))
    cap.data("egress", client.message({"type": "conversation.item.create", "item": {
        "type": "message", "role": "user",
        "content": [{"type": "input_text", "text": "fixture hello"}]}}))
    cap.data("egress", client.message({"type": "response.create"}))

    def response(n, status, usage, deltas):
        rid_n = "resp_rt_%04d" % n
        base = {"object": "realtime.response", "id": rid_n, "status": "in_progress",
                "status_details": None, "output": [], "usage": None,
                "conversation_id": "conv_fixture_1"}
        cap.data("ingress", server.message({"type": "response.created",
                                            "event_id": "event_r%d" % n,
                                            "response": base}))
        for d in deltas:
            cap.data("ingress", server.message(d))
        cap.data("ingress", server.message({"type": "response.done",
                                            "event_id": "event_d%d" % n,
                                            "response": dict(base, status=status,
                                                             usage=usage)}))
        return rid_n

    u1 = {"total_tokens": 180, "input_tokens": 150, "output_tokens": 30,
          "input_token_details": {"text_tokens": 150, "audio_tokens": 0,
                                  "image_tokens": 0, "cached_tokens": 64,
                                  "cached_tokens_details": {"text_tokens": 64,
                                                            "audio_tokens": 0,
                                                            "image_tokens": 0}},
          "output_token_details": {"text_tokens": 30, "audio_tokens": 0}}
    id1 = response(1, "completed", u1, [
        {"type": "response.output_text.delta", "event_id": "event_t1",
         "response_id": "resp_rt_0001", "delta": "fixture text"}])
    audio = base64.b64encode(bytes(range(256)) * 8).decode()
    for _ in range(2):
        cap.data("egress", client.message({"type": "input_audio_buffer.append",
                                           "audio": audio}))
    cap.data("egress", client.message({"type": "input_audio_buffer.commit"}))
    cap.data("ingress", server.message({"type": "input_audio_buffer.committed",
                                        "event_id": "event_c1", "item_id": "item_a1"}))
    cap.data("egress", client.message({"type": "response.create", "response": {
        "output_modalities": ["audio"]}}))
    u2 = {"total_tokens": 650, "input_tokens": 400, "output_tokens": 250,
          "input_token_details": {"text_tokens": 180, "audio_tokens": 220,
                                  "image_tokens": 0, "cached_tokens": 128,
                                  "cached_tokens_details": {"text_tokens": 128,
                                                            "audio_tokens": 0,
                                                            "image_tokens": 0}},
          "output_token_details": {"text_tokens": 40, "audio_tokens": 210}}
    id2 = response(2, "completed", u2, [
        {"type": "response.output_audio.delta", "event_id": "event_a%d" % i,
         "response_id": "resp_rt_0002", "delta": audio} for i in range(3)] + [
        {"type": "response.output_audio_transcript.delta", "event_id": "event_tr",
         "response_id": "resp_rt_0002", "delta": "fixture transcript"}])
    cap.data("egress", client.control(8, struct.pack(">H", 1000)))
    cap.data("ingress", server.control(8, struct.pack(">H", 1000)))
    cap.close()
    name = "openai-realtime-ws"
    cap.write(os.path.join(out, name + ".capture.jsonl"))
    lines = [
        expect_line(0, "/v1/realtime", "realtime", model, served, id1, rid,
                    {"response.done": u1}, usage_expected(150, 30, 64, None)),
        expect_line(1, "/v1/realtime", "realtime", model, served, id2, rid,
                    {"response.done": u2}, usage_expected(400, 250, 128, None)),
    ]
    with open(os.path.join(out, name + ".expect.jsonl"), "w") as f:
        for ln in lines:
            f.write(json.dumps(ln, separators=(",", ":")) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
    a = ap.parse_args()
    responses_fixture(a.out)
    realtime_fixture(a.out)


if __name__ == "__main__":
    main()
