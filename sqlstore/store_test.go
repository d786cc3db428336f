package sqlstore

import (
	"strings"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{"UPDATE t SET a = '?' WHERE b = ?", "UPDATE t SET a = '?' WHERE b = $1"},
		{`SELECT "what?" FROM t WHERE a IN (?, ?, ?)`, `SELECT "what?" FROM t WHERE a IN ($1, $2, $3)`},
		{"SELECT 'it''s?' , ?", "SELECT 'it''s?' , $1"},
	} {
		if got := Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRebindCached(t *testing.T) {
	s := &Store{dialect: Dialect{NumberedParams: true}}
	q := "SELECT ? + ?"
	if got := s.rebind(q); got != "SELECT $1 + $2" {
		t.Fatalf("rebind = %q", got)
	}
	if _, ok := s.rebound.Load(q); !ok {
		t.Error("rebind did not cache")
	}
	if got := (&Store{}).rebind(q); got != q {
		t.Errorf("rebind without numbered params = %q", got)
	}
}

func TestSubtreeEnd(t *testing.T) {
	for _, tt := range []struct{ prefix, want string }{
		{"/", "0"},
		{"/1/", "/10"},
		{"/1/4/", "/1/40"},
	} {
		end := SubtreeEnd(tt.prefix)
		if end != tt.want {
			t.Errorf("SubtreeEnd(%q) = %q, want %q", tt.prefix, end, tt.want)
		}
	}
	// Every path in the subtree is in the range, and no other.
	prefix, end := "/1/4/", SubtreeEnd("/1/4/")
	for _, tt := range []struct {
		path string
		in   bool
	}{
		{"/1/4/", true}, {"/1/4/9/", true}, {"/1/4/99/100/", true},
		{"/1/", false}, {"/1/40/", false}, {"/1/41/", false}, {"/1/5/", false}, {"/1/3/", false}, {"/2/", false},
	} {
		if got := tt.path >= prefix && tt.path < end; got != tt.in || got != strings.HasPrefix(tt.path, prefix) {
			t.Errorf("%q in range [%q, %q) = %v, want %v", tt.path, prefix, end, got, tt.in)
		}
	}
}

func TestScanTime(t *testing.T) {
	want := time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)
	kst := time.FixedZone("KST", 9*3600)
	for _, src := range []any{
		want,
		want.In(kst),
		"2026-03-01T09:30:15.123456Z",
		[]byte("2026-03-01T09:30:15.123456Z"),
		"2026-03-01T18:30:15.123456+09:00",
	} {
		var got time.Time
		if err := (scanTime{&got}).Scan(src); err != nil {
			t.Errorf("Scan(%v): %v", src, err)
		} else if got != want {
			t.Errorf("Scan(%v) = %v, want %v in UTC", src, got, want)
		}
	}
	var got time.Time = want
	if err := (scanTime{&got}).Scan(nil); err != nil || !got.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", got, err)
	}
	for _, bad := range []any{"yesterday", 42} {
		if err := (scanTime{&got}).Scan(bad); err == nil {
			t.Errorf("Scan(%v) succeeded", bad)
		}
	}
	if got := EncodeTimeText(want.In(kst)); got != "2026-03-01T09:30:15.123456Z" {
		t.Errorf("EncodeTimeText = %v", got)
	}
	if got := EncodeTimeText(time.Date(2026, 3, 1, 9, 30, 15, 0, time.UTC)); got != "2026-03-01T09:30:15.000000Z" {
		t.Errorf("EncodeTimeText keeps a fixed width: %v", got)
	}
}
