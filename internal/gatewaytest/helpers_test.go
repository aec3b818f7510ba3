package gatewaytest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/vpcvpn/vpcvpn/internal/agent"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/tunneltest"
)

// sharedKeys returns the ids of the agent-owned shared keys the side's
// charon holds (through the agent's own VICI driver).
func sharedKeys(t *testing.T, s *tunneltest.Side) []string {
	t.Helper()
	c, err := agent.DialVICI(context.Background(), s.ViciSocket())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids, err := c.SharedIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "vpcvpn.") {
			out = append(out, id)
		}
	}
	return out
}

// countRows counts the rows of table for connection id in the server's
// SQLite file (read-only, beside the running server).
func countRows(t *testing.T, w *World, table, id string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(w.DataDir, "vpcvpn.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE connection_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// agentClient sends V1-signed POSTs as the agent does, with any key.
type agentClient struct{ addr, ak, secret string }

func (c *agentClient) call(t *testing.T, kv ...string) (int, string) {
	t.Helper()
	ps := []signature.Param{{Name: "Action", Value: kv[0]}, {Name: "Version", Value: "2016-04-28"}, {Name: "RegionId", Value: Region}}
	for i := 1; i+1 < len(kv); i += 2 {
		ps = append(ps, signature.Param{Name: kv[i], Value: kv[i+1]})
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	signed := signature.SignV1("POST", ps, c.ak, c.secret, time.Now(), hex.EncodeToString(nonce[:]))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Post("http://"+c.addr+"/", "application/x-www-form-urlencoded",
		strings.NewReader(signature.V1Query(signed)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
