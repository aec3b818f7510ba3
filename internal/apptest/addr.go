package apptest

import (
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
)

// FreeAddr returns a loopback address whose port a server process started
// by the test may listen on. The port is drawn below Linux's ephemeral range
// (32768-60999 by default): a port taken from a closed ":0" listener is one
// the kernel hands out again to the next outgoing connection or ":0" listener
// of any test running in parallel, so a server started a moment later found
// it in use now and then. Ports here are only ever taken on purpose.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(20000+rand.IntN(12000)))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr
	}
	t.Fatal("apptest: no free port in 20000-31999 after 200 tries")
	return ""
}
