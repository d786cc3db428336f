package sqlstore

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
)

// TestDecodeAddressees: the hand reader of addressees agrees with
// encoding/json on what the store writes and on PostgreSQL's spacing, and
// hands anything else to encoding/json.
func TestDecodeAddressees(t *testing.T) {
	for _, in := range []string{
		`{}`, `{"unit_ids":[3,1,2]}`, `{"depth":2}`, `{"unit_ids": [3, 1, 2]}`, ` { "depth" : 4 } `,
		`{"unit_ids":[]}`, `{"unit_ids":[5],"depth":1}`, `{"depth":2,"other":true}`, `{"unit_ids":null}`,
	} {
		var want kinbridge.Addressees
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		got, err := decodeAddressees(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s (-want +got):\n%s", in, d)
		}
	}
	long := kinbridge.Addressees{UnitIDs: []int64{1, 2, 3, 7}}
	for id := int64(10); id < 200; id++ {
		long.UnitIDs = append(long.UnitIDs, id)
	}
	long.UnitIDs = append(long.UnitIDs, 500)
	for _, ad := range []kinbridge.Addressees{long, {UnitIDs: []int64{5, 3}}, {Depth: 3}, {}} {
		b, err := encodeAddressees(ad)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAddressees(string(b))
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if d := cmp.Diff(ad, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s (-want +got):\n%s", b, d)
		}
	}
	if b, _ := encodeAddressees(long); string(b) != `{"unit_ranges":[[1,3],[7,7],[10,199],[500,500]]}` {
		t.Errorf("long list as %s", b)
	}
	for _, in := range []string{`{"unit_ids":[1,}`, `{"depth":}`, `[`, `{"unit_ids":[1]} x`} {
		if _, err := decodeAddressees(in); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}
