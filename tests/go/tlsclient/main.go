// SPDX-License-Identifier: MIT

// tlsclient makes one HTTPS request with net/http and crypto/tls: the Go
// client of tokentap's tests (unit tests look for (*Conn).Write and
// (*Conn).Read in this binary; end-to-end tests run it against local TLS
// servers). HTTP/2 is negotiated by ALPN as net/http does by default.
//
//	tlsclient [-k] [-http1] [-q] [-X METHOD] [-H 'Name: value']... [-d FILE]
//	          [-n COUNT] [-ready FILE] [-wait FILE] URL
//
// With -n, COUNT requests go out on one client (one kept-alive connection,
// one HTTP/2 connection with a stream each). -ready is created after the
// first request, and -wait makes the rest wait until that file exists:
// a connection that is already open when a tracer starts.
//
// The whole response body is read (streamed responses included) and copied
// to stdout unless -q; the exit code is 0 for a 2xx status, 1 for any other
// status and 2 for a usage or transport error. A test CA is trusted with
// SSL_CERT_FILE=ca.pem, or -k skips verification.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	var headers headerList
	flag.Var(&headers, "H", "request header 'Name: value' (repeatable)")
	bodyFile := flag.String("d", "", "file whose bytes are the request body (JSON); implies POST")
	method := flag.String("X", "", "method (default GET, or POST with -d)")
	insecure := flag.Bool("k", false, "do not verify the server certificate (local test servers)")
	http1 := flag.Bool("http1", false, "do not offer HTTP/2")
	quiet := flag.Bool("q", false, "read the body but do not print it")
	timeout := flag.Duration("t", 60*time.Second, "overall timeout")
	count := flag.Int("n", 1, "requests on one client")
	ready := flag.String("ready", "", "file created after the first request")
	wait := flag.String("wait", "", "after the first request, wait for this file")
	flag.Parse()
	if flag.NArg() != 1 || *count < 1 {
		flag.Usage()
		os.Exit(2)
	}
	tr := &http.Transport{
		// No proxy from the environment: tests talk to local servers.
		Proxy: nil,
		// A custom TLS config turns automatic HTTP/2 off unless forced.
		ForceAttemptHTTP2: !*http1,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: *insecure},
	}
	if *http1 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	client := &http.Client{Transport: tr, Timeout: *timeout}
	for i := 0; i < *count; i++ {
		if rc := run(client, flag.Arg(0), headers, *bodyFile, *method,
			*quiet); rc != 0 {
			os.Exit(rc)
		}
		if i == 0 && *ready != "" {
			if err := os.WriteFile(*ready, []byte("1\n"), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "tlsclient:", err)
				os.Exit(2)
			}
		}
		for i == 0 && *wait != "" {
			if _, err := os.Stat(*wait); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	os.Exit(0)
}

func run(client *http.Client, url string, headers []string, bodyFile,
	method string, quiet bool) int {
	var body io.Reader
	if bodyFile != "" {
		f, err := os.Open(bodyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlsclient:", err)
			return 2
		}
		defer f.Close()
		body = f
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsclient:", err)
		return 2
	}
	if bodyFile != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintf(os.Stderr, "tlsclient: header %q has no ':'\n", name)
			return 2
		}
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsclient:", err)
		return 2
	}
	defer resp.Body.Close()
	out := io.Writer(os.Stdout)
	if quiet {
		out = io.Discard
	}
	n, err := io.Copy(out, resp.Body)
	fmt.Fprintf(os.Stderr, "tlsclient: %s %s, %d body bytes\n", resp.Proto,
		resp.Status, n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsclient: reading body:", err)
		return 2
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 1
	}
	return 0
}
