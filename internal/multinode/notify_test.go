package multinode

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNotifications: with the poll of other servers' changes turned off in
// effect (--agent-poll-interval 1h), a gateway agent's long-poll on node a
// wakes with the new desired state when node b changes its gateway: the
// PostgreSQL change notification did it. Then every server's notification
// connection is killed (pg_terminate_backend): a change made on b right
// after is never answered stale by a (answers do not depend on
// notifications), and a's long-poll still wakes with it, whether the
// notification arrived on the re-established connection or was missed and
// found by the resync that follows a reconnection.
func TestNotifications(t *testing.T) {
	c := newCluster(t, "198.18.4.0/24")
	a := c.startOn(t, "a", c.dsn, "--agent-poll-interval", "1h")
	b := c.startOn(t, "b", c.dsn, "--agent-poll-interval", "1h")
	a.waitReady(t)
	b.waitReady(t)
	decode := func(r response) map[string]any {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("HTTP %d: %s", r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	vpcID := decode(a.call(t, "CreateVpc", "RegionId", region, "CidrBlock", "172.21.0.0/16"))["VpcId"].(string)
	sw := decode(a.call(t, "CreateVSwitch", "RegionId", region, "VpcId", vpcID, "ZoneId", "cn-hangzhou-h", "CidrBlock", "172.21.1.0/24"))["VSwitchId"].(string)
	gw := decode(a.call(t, "CreateVpnGateway", "RegionId", region, "VpcId", vpcID, "VSwitchId", sw, "Bandwidth", "10"))["VpnGatewayId"].(string)
	cgw := decode(a.call(t, "CreateCustomerGateway", "RegionId", region, "IpAddress", "198.51.100.78"))["CustomerGatewayId"].(string)

	// longPoll starts a 25-second long-poll on a for a generation after gen.
	longPoll := func(gen int) <-chan map[string]any {
		done := make(chan map[string]any, 1)
		go func() {
			r := a.call(t, "DownloadVpnGatewayAgentConfig", "RegionId", region, "VpnGatewayId", gw, "Generation", fmt.Sprint(gen), "WaitSeconds", "25")
			var m map[string]any
			_ = json.Unmarshal(r.body, &m)
			done <- m
		}()
		return done
	}
	// waitWoken fails unless the long-poll answered generation gen.
	waitWoken := func(what string, done <-chan map[string]any, gen int) {
		t.Helper()
		start := time.Now()
		defer func() { t.Logf("%s: the long-poll answered after %v", what, time.Since(start).Round(time.Millisecond)) }()
		select {
		case m := <-done:
			if m["NotModified"] != false || m["Generation"] != float64(gen) {
				t.Fatalf("%s: the long-poll on a answered %v; want generation %d (with the poll an hour apart, only a notification wakes it)", what, m, gen)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: the long-poll on a did not answer", what)
		}
	}
	waiting := func() {
		// The long-poll is registered well before the change (it waits 25 s).
		time.Sleep(300 * time.Millisecond)
	}

	done := longPoll(0)
	waiting()
	conn := decode(b.call(t, "CreateVpnConnection", "RegionId", region, "VpnGatewayId", gw, "CustomerGatewayId", cgw,
		"LocalSubnet", "172.21.0.0/16", "RemoteSubnet", "10.78.0.0/16", "IkeConfig", `{"Psk":"notify-psk-1"}`))["VpnConnectionId"].(string)
	waitWoken("create on b", done, 1)
	download := func(n *node) string {
		t.Helper()
		return string(decode(n.call(t, "DownloadVpnConnectionConfig", "RegionId", region, "VpnConnectionId", conn))["VpnConnectionConfig"].(map[string]any)["IkeConfig"].(map[string]any)["Psk"].(string))
	}
	for range 3 { // a's answer is cached now
		if psk := download(a); psk != "notify-psk-1" {
			t.Fatalf("download on a: Psk %q", psk)
		}
	}

	var killed []int64
	listeners := func() []int64 {
		t.Helper()
		var pids string
		query(t, baseDSN(), `SELECT COALESCE(string_agg(pid::text, ',' ORDER BY pid), '') FROM pg_stat_activity
			WHERE application_name = 'vpcvpn-listener' AND datname = '`+dbName(t, c.dsn)+`'`, &pids)
		var out []int64
		for _, p := range strings.Split(pids, ",") {
			var n int64
			if _, err := fmt.Sscan(p, &n); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	// waitListeners waits until every server listens on a connection that
	// is not one of old, and returns them.
	waitListeners := func(old []int64) []int64 {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			now := listeners()
			fresh := 0
			for _, p := range now {
				if !slices.Contains(old, p) {
					fresh++
				}
			}
			if fresh == 2 && len(now) == 2 {
				return now
			}
			if time.Now().After(deadline) {
				t.Fatalf("notification connections: %v, want one per server (none of %v)", now, old)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	killed = waitListeners(nil)
	done = longPoll(1)
	waiting()
	var n int
	query(t, baseDSN(), `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'vpcvpn-listener' AND datname = '`+dbName(t, c.dsn)+`') x`, &n)
	if n != 2 {
		t.Fatalf("terminated %d notification connections, want 2", n)
	}
	decode(b.call(t, "ModifyVpnConnectionAttribute", "RegionId", region, "VpnConnectionId", conn, "IkeConfig", `{"Psk":"notify-psk-2"}`))
	if psk := download(a); psk != "notify-psk-2" {
		t.Fatalf("download on a right after the change on b, notification connections killed: Psk %q (stale)", psk)
	}
	waitWoken("modify on b while the notification connections were down", done, 2)

	// The connections come back (new backends), and carry notifications.
	waitListeners(killed)
	done = longPoll(2)
	waiting()
	decode(b.call(t, "ModifyVpnConnectionAttribute", "RegionId", region, "VpnConnectionId", conn, "IkeConfig", `{"Psk":"notify-psk-3"}`))
	waitWoken("modify on b after the notification connections came back", done, 3)
	if psk := download(a); psk != "notify-psk-3" {
		t.Fatalf("download on a: Psk %q", psk)
	}
}

// dbName is the database name of a DSN.
func dbName(t testing.TB, dsn string) string {
	t.Helper()
	i := strings.LastIndex(dsn, "/")
	name, _, _ := strings.Cut(dsn[i+1:], "?")
	return name
}
