package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/secret"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// fakeStore counts sealed secrets by key id; by default Reseal moves every
// secret under the keyring's primary key, as the SQL stores do.
type fakeStore struct {
	keys     *secret.Keyring
	counts   map[uint32]int
	batches  []int
	onReseal func(f *fakeStore) (store.ResealStats, error)
	keyFile  string
}

func (f *fakeStore) SealedKeyCounts(context.Context) (map[uint32]int, error) {
	return maps.Clone(f.counts), nil
}

func (f *fakeStore) Reseal(_ context.Context, batch int) (store.ResealStats, error) {
	f.batches = append(f.batches, batch)
	if f.onReseal != nil {
		return f.onReseal(f)
	}
	return f.moveAll(), nil
}

func (f *fakeStore) moveAll() store.ResealStats {
	p := f.keys.PrimaryID()
	var st store.ResealStats
	for id, n := range maps.Clone(f.counts) {
		st.Scanned += n
		if id != p {
			st.Resealed += n
			f.counts[p] += n
			delete(f.counts, id)
		}
	}
	return st
}

// keyFile writes a keyring file of one new key and loads it.
func keyFile(t *testing.T) (string, *secret.Keyring) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.key")
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := secret.WriteKeyringFile(path, key); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.LoadKeyringFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, keys
}

// idsOf returns the key ids of a keyring file: the primary first, the others
// ascending (file order for the two keys these tests write at most).
func idsOf(t *testing.T, path string) []uint32 {
	t.Helper()
	keys, err := secret.LoadKeyringFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return keys.KeyIDs()
}

func TestRunRotatesAndRetires(t *testing.T) {
	for _, retire := range []bool{false, true} {
		t.Run(fmt.Sprintf("retire=%v", retire), func(t *testing.T) {
			path, keys := keyFile(t)
			old := keys.PrimaryID()
			db := &fakeStore{keys: keys, counts: map[uint32]int{old: 5}}
			var out bytes.Buffer
			err := Run(t.Context(), db, keys, Options{KeyFile: path, RetireOld: retire, Batch: 7, MaxPasses: 3}, &out)
			if err != nil {
				t.Fatal(err)
			}
			ids := idsOf(t, path)
			nw := ids[0]
			if nw == old || keys.PrimaryID() != nw {
				t.Fatalf("file primary %08x, keyring primary %08x, old %08x", nw, keys.PrimaryID(), old)
			}
			want := []uint32{nw, old}
			if retire {
				want = []uint32{nw}
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("key file holds %08x, want %08x", ids, want)
			}
			if !slices.Equal(db.batches, []int{7}) || !maps.Equal(db.counts, map[uint32]int{nw: 5}) {
				t.Fatalf("reseal batches %v, counts %v", db.batches, db.counts)
			}
			text := fmt.Sprintf(`secrets by key before: %08x=5 (primary)
wrote new primary key %08x in front of %s (old primary %08x kept).
BACK UP %s NOW: secrets re-sealed from here on open only with the new key.
waiting 0s for running servers to load the new key...
pass 1: scanned 5, re-sealed 5, changed meanwhile 0, unreadable 0
secrets by key after: %08x=5 (primary)
`, old, nw, path, old, path, nw)
			if retire {
				text += fmt.Sprintf("retired the older keys: %s now holds only %08x. Backups taken before the rotation need a copy of the old file.\n", path, nw)
			}
			text += "rotation complete: every secret is sealed under the primary key.\n"
			if out.String() != text {
				t.Fatalf("output:\n%s\nwant:\n%s", out.String(), text)
			}
		})
	}
}

func TestRunPrepareOnly(t *testing.T) {
	path, keys := keyFile(t)
	old := keys.PrimaryID()
	db := &fakeStore{keys: keys, counts: map[uint32]int{old: 2}}
	var out bytes.Buffer
	if err := Run(t.Context(), db, keys, Options{KeyFile: path, PrepareOnly: true, Settle: time.Hour, Batch: 1, MaxPasses: 1}, &out); err != nil {
		t.Fatal(err)
	}
	ids := idsOf(t, path)
	if len(ids) != 2 || ids[1] != old {
		t.Fatalf("key file holds %08x, want a new key in front of %08x", ids, old)
	}
	if len(db.batches) != 0 || !maps.Equal(db.counts, map[uint32]int{old: 2}) {
		t.Fatalf("prepare re-sealed: batches %v, counts %v", db.batches, db.counts)
	}
	want := fmt.Sprintf(`secrets by key before: %08x=2 (primary)
wrote new primary key %08x in front of %s (old primary %08x kept).
BACK UP %s NOW: secrets re-sealed from here on open only with the new key.
prepare done: copy the file to every server, then run rotate-master-key --reseal-only.
`, old, ids[0], path, old, path)
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRunFails: each failure returns its message; a refusal before the
// first step leaves the key file as it was.
func TestRunFails(t *testing.T) {
	for _, tc := range []struct {
		name      string
		o         Options
		counts    func(primary uint32) map[uint32]int
		onReseal  func(f *fakeStore) (store.ResealStats, error)
		want      string // {file}: the key file, {primary}: the new primary key id
		unchanged bool   // the key file must be as it was
		passes    int
	}{
		{
			name:      "foreign key",
			counts:    func(p uint32) map[uint32]int { return map[uint32]int{p: 1, 0x0badf00d: 3} },
			want:      "3 stored secrets are sealed under key 0badf00d, which {file} does not hold (wrong key file?); nothing changed",
			unchanged: true,
		},
		{
			name:   "unreadable",
			counts: func(p uint32) map[uint32]int { return map[uint32]int{p: 2} },
			onReseal: func(*fakeStore) (store.ResealStats, error) {
				return store.ResealStats{Scanned: 2, Unreadable: 2, Failed: []string{"vpn_connections/vco-1", "access_keys/LTAI1"}}, nil
			},
			want:   "2 secrets do not open with {file} and were left as they are (moved, altered or sealed under a lost key): vpn_connections/vco-1, access_keys/LTAI1",
			passes: 1,
		},
		{
			name:   "a server keeps sealing under the old key",
			o:      Options{MaxPasses: 3},
			counts: func(p uint32) map[uint32]int { return map[uint32]int{p: 4} },
			onReseal: func(f *fakeStore) (store.ResealStats, error) {
				st := f.moveAll()
				f.counts[0x0000002a]++ // a key the file would not hold: the fake does not check
				return st, nil
			},
			want:   "1 secrets are still sealed under older keys after 3 passes: a server keeps sealing under an older key (does every server read {file}?); run rotate-master-key --reseal-only again",
			passes: 3,
		},
		{
			name:     "database fails",
			counts:   func(p uint32) map[uint32]int { return map[uint32]int{p: 1} },
			onReseal: func(*fakeStore) (store.ResealStats, error) { return store.ResealStats{}, errors.New("disk I/O error") },
			want:     "disk I/O error",
			passes:   1,
		},
		{
			name:   "key file changed before retiring",
			o:      Options{RetireOld: true},
			counts: func(p uint32) map[uint32]int { return map[uint32]int{p: 1} },
			onReseal: func(f *fakeStore) (store.ResealStats, error) {
				// Another rotation puts its key in front meanwhile.
				if err := prependNewKey(f.keyFile); err != nil {
					return store.ResealStats{}, err
				}
				return f.moveAll(), nil
			},
			want:   "{file} changed during the rotation (primary is no longer {primary}); not retiring keys",
			passes: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, keys := keyFile(t)
			before, _ := os.ReadFile(path)
			db := &fakeStore{keys: keys, counts: tc.counts(keys.PrimaryID()), onReseal: tc.onReseal, keyFile: path}
			o := tc.o
			o.KeyFile, o.Batch, o.PassWait = path, 10, time.Nanosecond
			if o.MaxPasses == 0 {
				o.MaxPasses = 10
			}
			err := Run(t.Context(), db, keys, o, new(bytes.Buffer))
			want := strings.NewReplacer("{file}", path, "{primary}", fmt.Sprintf("%08x", keys.PrimaryID())).Replace(tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error %v, want %q", err, want)
			}
			if len(db.batches) != tc.passes {
				t.Fatalf("%d passes, want %d", len(db.batches), tc.passes)
			}
			if after, _ := os.ReadFile(path); tc.unchanged && !bytes.Equal(before, after) {
				t.Fatal("the key file changed")
			}
		})
	}
}

func TestRunStopsWithContext(t *testing.T) {
	path, keys := keyFile(t)
	db := &fakeStore{keys: keys, counts: map[uint32]int{keys.PrimaryID(): 1}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Run(ctx, db, keys, Options{KeyFile: path, Settle: time.Hour, Batch: 1, MaxPasses: 1}, new(bytes.Buffer))
	if !errors.Is(err, context.Canceled) || len(db.batches) != 0 {
		t.Fatalf("error %v after %d passes, want context.Canceled before re-sealing", err, len(db.batches))
	}
}

func TestDescribeCounts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		counts  map[uint32]int
		primary uint32
		want    string
	}{
		{"empty", nil, 1, "none"},
		{"primary only", map[uint32]int{0xb49fd745: 9}, 0xb49fd745, "b49fd745=9 (primary)"},
		{"sorted, primary marked", map[uint32]int{0xdb10c537: 2, 0x0000002a: 1, 0xb49fd745: 7}, 0xb49fd745, "0000002a=1, b49fd745=7 (primary), db10c537=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeCounts(tc.counts, tc.primary); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
