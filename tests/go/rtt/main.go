// SPDX-License-Identifier: MIT

// rtt is the Go driver of bench/run_bench.py: bench/ssl_rtt.c's measurement
// through crypto/tls.
//
//	rtt rtt --sni NAME --iters N --size BYTES
//	rtt floor --iters N
//
// rtt: a client and a server goroutine in one process talk TLS over a
// loopback TCP connection. The client dials with ServerName NAME, then for
// each iteration: client (*Conn).Write(size) -> server Read -> server Write
// -> client Read: 4 probed calls per round trip (one Read each while SIZE
// fits in one TLS record). 1000 warm-up round trips are not timed. Prints
// {"mode":"rtt","sni":..,"size":..,"iters":N,"ns_per_rtt":X,
// "cpu_ns_per_rtt":Y}: wall-clock and process CPU time per round trip.
//
// tokentap has no server name probe for Go: it classifies a Go connection
// by its first bytes. So the connection's first message is an HTTP/1.1
// request head, "Host: NAME", padded to SIZE bytes with a header; every
// later message is ssl_rtt's (SIZE bytes of 'a'..'z').
//
// floor: calls ttBenchNoop N times. With `tokentap probe-floor BINARY
// main.ttBenchNoop` attached (an empty probe on its entry and on each RET)
// this measures the least a probed Go call pays. Prints {"mode":"floor",
// "iters":N,"ns_per_call":X,"cpu_ns_per_call":Y}.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

const warmupIters = 1000

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "rtt: "+format+"\n", a...)
	os.Exit(1)
}

// CPU time of the whole process (all threads, user + kernel, so uprobe
// handling is included), as ssl_rtt measures it.
func cpuNs() int64 {
	const clockProcessCPUTimeID = 2
	var ts syscall.Timespec

	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME,
		clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		die("clock_gettime: %v", e)
	}
	return ts.Nano()
}

// Probed by `tokentap probe-floor BINARY main.ttBenchNoop`: must stay a
// real, out-of-line function.
//
//go:noinline
func ttBenchNoop(x int) int {
	return x + 1
}

func modeFloor(iters int) {
	acc := 0
	for i := 0; i < iters/10+1; i++ { // warm up (not timed)
		acc += ttBenchNoop(i)
	}
	c0 := cpuNs()
	t0 := time.Now()
	for i := 0; i < iters; i++ {
		acc += ttBenchNoop(i)
	}
	wall := time.Since(t0).Nanoseconds()
	cpu := cpuNs() - c0
	if acc == 0 {
		die("floor: impossible sum")
	}
	fmt.Printf("{\"mode\":\"floor\",\"iters\":%d,\"ns_per_call\":%.3f,"+
		"\"cpu_ns_per_call\":%.3f}\n", iters,
		float64(wall)/float64(iters), float64(cpu)/float64(iters))
}

// A self-signed P-256 certificate made in memory: no files.
func makeCert() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		die("ecdsa.GenerateKey: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tokentap-bench"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		die("x509.CreateCertificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// The first message: a request head naming host, exactly size bytes.
func requestHead(host string, size int) []byte {
	head := "GET / HTTP/1.1\r\nHost: " + host + "\r\n"
	const padName, end = "X-Pad: ", "\r\n"
	pad := size - len(head) - len(padName) - len(end) - len(end)
	if pad < 1 {
		die("--size %d: too small for a request head naming %s (need %d)",
			size, host, size-pad+1)
	}
	return []byte(head + padName + string(bytes.Repeat([]byte{'x'}, pad)) +
		end + end)
}

// serve echoes rounds messages of size bytes on the first connection.
func serve(ln net.Listener, cert tls.Certificate, rounds, size int, done chan<- error) {
	c, err := ln.Accept()
	if err != nil {
		done <- err
		return
	}
	defer c.Close()
	s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
	buf := make([]byte, size)
	for i := 0; i < rounds; i++ {
		if _, err := io.ReadFull(s, buf); err != nil {
			done <- fmt.Errorf("server read: %w", err)
			return
		}
		if _, err := s.Write(buf); err != nil {
			done <- fmt.Errorf("server write: %w", err)
			return
		}
	}
	done <- nil
}

func roundTrip(c *tls.Conn, out, in []byte) {
	if _, err := c.Write(out); err != nil {
		die("client write: %v", err)
	}
	if _, err := io.ReadFull(c, in); err != nil {
		die("client read: %v", err)
	}
}

func modeRTT(sni string, iters, size int) {
	first := requestHead(sni, size)
	out := make([]byte, size)
	in := make([]byte, size)
	for i := range out {
		out[i] = byte('a' + i%26)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("listen: %v", err)
	}
	done := make(chan error, 1)
	go serve(ln, makeCert(), warmupIters+iters, size, done)
	// Go sets TCP_NODELAY on TCP connections, as ssl_rtt does by hand.
	c, err := tls.Dial("tcp", ln.Addr().String(),
		&tls.Config{ServerName: sni, InsecureSkipVerify: true})
	if err != nil {
		die("tls.Dial: %v", err)
	}
	ln.Close()

	roundTrip(c, first, in)
	for i := 1; i < warmupIters; i++ {
		roundTrip(c, out, in)
	}
	c0 := cpuNs()
	t0 := time.Now()
	for i := 0; i < iters; i++ {
		roundTrip(c, out, in)
	}
	wall := time.Since(t0).Nanoseconds()
	cpu := cpuNs() - c0
	if err := <-done; err != nil {
		die("%v", err)
	}
	if !bytes.Equal(in, out) {
		die("echoed data differs")
	}
	c.Close()
	name, _ := json.Marshal(sni)
	fmt.Printf("{\"mode\":\"rtt\",\"sni\":%s,\"size\":%d,\"iters\":%d,"+
		"\"ns_per_rtt\":%.1f,\"cpu_ns_per_rtt\":%.1f}\n", name, size,
		iters, float64(wall)/float64(iters), float64(cpu)/float64(iters))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: rtt rtt --sni NAME --iters N --size BYTES\n"+
		"       rtt floor --iters N")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	fs.Usage = usage
	sni := fs.String("sni", "", "server name, and the Host of the first request")
	iters := fs.Int("iters", -1, "timed round trips or calls")
	size := fs.Int("size", -1, "bytes each way per round trip")
	if fs.Parse(os.Args[2:]) != nil || fs.NArg() != 0 ||
		*iters < 1 || *iters > 1000000000 {
		usage()
	}
	switch os.Args[1] {
	case "floor":
		if *sni != "" || *size >= 0 {
			usage()
		}
		modeFloor(*iters)
	case "rtt":
		if *sni == "" || *size < 1 || *size > 16*1024*1024 {
			usage()
		}
		modeRTT(*sni, *iters, *size)
	default:
		usage()
	}
}
