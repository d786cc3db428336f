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
	for _, in := range []string{`{"unit_ids":[1,}`, `{"depth":}`, `[`, `{"unit_ids":[1]} x`} {
		if _, err := decodeAddressees(in); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}
