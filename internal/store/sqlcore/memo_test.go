package sqlcore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// TestDecodeMemo: remembered documents decode to the same value as
// encoding/json, distinct documents stay distinct, errors are not
// remembered, and the memo stays bounded.
func TestDecodeMemo(t *testing.T) {
	var m decodeMemo[vpn.IpsecConfig]
	docs := []string{`{"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1","IpsecPfs":"group2","IpsecLifetime":86400}`,
		`{"IpsecEncAlg":"aes256","IpsecAuthAlg":"sha256","IpsecPfs":"disabled","IpsecLifetime":3600}`}
	want := []vpn.IpsecConfig{
		{IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: 86400},
		{IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "disabled", IpsecLifetime: 3600},
	}
	for round := range 3 {
		for i, d := range docs {
			got := vpn.IpsecConfig{IpsecEncAlg: "stale"}
			if err := m.decode(d, &got); err != nil || got != want[i] {
				t.Fatalf("round %d doc %d: %+v, %v", round, i, got, err)
			}
		}
	}
	var got vpn.IpsecConfig
	if err := m.decode(`{"IpsecLifetime":"x"}`, &got); err == nil {
		t.Fatal("bad document decoded")
	}
	if err := m.decode(`{"IpsecLifetime":"x"}`, &got); err == nil {
		t.Fatal("bad document remembered as good")
	}
	for i := range memoMax + 10 {
		if err := m.decode(fmt.Sprintf(`{"IpsecLifetime":%d}`, i), &got); err != nil || got.IpsecLifetime != int64(i) {
			t.Fatalf("doc %d: %+v %v", i, got, err)
		}
	}
	if len(m.m) > memoMax {
		t.Errorf("memo holds %d documents, bound %d", len(m.m), memoMax)
	}
}

// TestStmtCache: the read cache prepares at once and hands out one
// statement per text; the write cache notes texts during a transaction and
// prepares them after it; both stay within their bound; a nil cache (a
// dialect without reuse) prepares nothing.
func TestStmtCache(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	r := &stmtCache{db: db, immediate: true}
	defer r.close()
	a, b := r.get(`SELECT v FROM t WHERE k = ?`), r.get(`SELECT v FROM t WHERE k = ?`)
	if a == nil || a != b {
		t.Fatalf("read cache: %p %p", a, b)
	}
	if r.get(`SELECT nonsense FROM nowhere`) != nil {
		t.Error("a text that does not prepare was cached")
	}

	w := &stmtCache{db: db}
	defer w.close()
	tx, err := db.Begin() // holds the only connection, as SQLite's writer does
	if err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO t (k, v) VALUES (?, ?)`
	if w.get(ins) != nil {
		t.Fatal("write cache prepared inside a transaction")
	}
	if _, err := tx.Exec(ins, "a", "1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	w.prepareNoted(context.Background())
	s := w.get(ins)
	if s == nil {
		t.Fatal("noted text not prepared after the transaction")
	}
	tx, _ = db.Begin()
	if _, err := tx.Stmt(s).Exec("b", "2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows %d %v", n, err)
	}
	for i := range maxCachedStmts + 10 {
		w.get(fmt.Sprintf(`SELECT %d`, i))
	}
	w.prepareNoted(context.Background())
	if len(w.m) > maxCachedStmts {
		t.Errorf("write cache holds %d statements, bound %d", len(w.m), maxCachedStmts)
	}
	var none *stmtCache
	if none.get(ins) != nil {
		t.Error("nil cache returned a statement")
	}
}
