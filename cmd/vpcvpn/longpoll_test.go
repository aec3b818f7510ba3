package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// The server's timeouts must let the longest agent long-poll answer.
func TestTimeoutsCoverAgentLongPoll(t *testing.T) {
	if writeTimeout < vpn.MaxAgentWait+5*time.Second {
		t.Fatalf("writeTimeout %v leaves less than 5 s after a %v long-poll", writeTimeout, vpn.MaxAgentWait)
	}
}

// signedPost sends a V1-signed POST (form body) and returns status and body.
func signedPost(t *testing.T, addr, ak, secret string, timeout time.Duration, params ...string) (int, map[string]any) {
	t.Helper()
	ps := []signature.Param{{Name: "Version", Value: "2016-04-28"}, {Name: "RegionId", Value: "cn-hangzhou"}}
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, signature.Param{Name: params[i], Value: params[i+1]})
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	signed := signature.SignV1("POST", ps, ak, secret, time.Now(), hex.EncodeToString(nonce[:]))
	c := &http.Client{Timeout: timeout}
	resp, err := c.Post("http://"+addr+"/", "application/x-www-form-urlencoded", strings.NewReader(signature.V1Query(signed)))
	if err != nil {
		t.Fatalf("%s: %v", params[1], err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %s", params[1], b)
	}
	return resp.StatusCode, out
}

// TestAgentLongPollFronts: with either HTTP front, a long-poll longer than
// the server's read timeout answers (net/http's ReadTimeout would otherwise
// end the request's context), and SIGTERM ends a waiting long-poll at once
// and exits 0.
func TestAgentLongPollFronts(t *testing.T) {
	bin := buildBinary(t)
	const ak, secret = "LTAIlongPollRoot0001", "longPollRootSecret"
	for _, front := range []string{"lean", "net/http"} {
		t.Run(strings.ReplaceAll(front, "/", "-"), func(t *testing.T) {
			t.Parallel()
			addr := freeAddr(t)
			p := start(t, bin, []string{"VPCVPN_ROOT_ACCESS_KEY_ID=" + ak, "VPCVPN_ROOT_ACCESS_KEY_SECRET=" + secret},
				"server", "--data-dir", t.TempDir(), "--listen", addr, "--http-front", front)
			p.waitReady(t, addr)
			call := func(timeout time.Duration, params ...string) map[string]any {
				t.Helper()
				code, body := signedPost(t, addr, ak, secret, timeout, params...)
				if code != 200 {
					t.Fatalf("%s: HTTP %d %v", params[1], code, body)
				}
				return body
			}
			vpc := call(5*time.Second, "Action", "CreateVpc", "CidrBlock", "192.168.0.0/16")["VpcId"].(string)
			sw := call(5*time.Second, "Action", "CreateVSwitch", "VpcId", vpc, "ZoneId", "cn-hangzhou-h", "CidrBlock", "192.168.1.0/24")["VSwitchId"].(string)
			gw := call(5*time.Second, "Action", "CreateVpnGateway", "VpcId", vpc, "VSwitchId", sw, "Bandwidth", "10")["VpnGatewayId"].(string)

			// Longer than readTimeout (20 s).
			wait := readTimeout + 2*time.Second
			start := time.Now()
			body := call(wait+15*time.Second, "Action", "DownloadVpnGatewayAgentConfig", "VpnGatewayId", gw, "Generation", "0",
				"WaitSeconds", itoa(int(wait/time.Second)))
			if el := time.Since(start); body["NotModified"] != true || el < wait-time.Second {
				t.Fatalf("long-poll answered after %v: %v", el, body)
			}

			// SIGTERM while a long-poll waits.
			done := make(chan map[string]any, 1)
			go func() {
				_, b := signedPost(t, addr, ak, secret, 40*time.Second, "Action", "DownloadVpnGatewayAgentConfig", "VpnGatewayId", gw,
					"Generation", "0", "WaitSeconds", "25")
				done <- b
			}()
			time.Sleep(time.Second)
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case b := <-done:
				if b["NotModified"] != true {
					t.Fatalf("long-poll at shutdown answered %v", b)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("SIGTERM did not end the waiting long-poll")
			}
			if code := p.wait(t); code != 0 {
				t.Fatalf("exit %d after SIGTERM\n%s", code, p.stderr)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
