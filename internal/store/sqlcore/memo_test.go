package sqlcore

import (
	"fmt"
	"testing"

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
