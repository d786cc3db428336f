package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLibpqConn(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want libpqConnection
	}{
		{"postgres://postgres@127.0.0.1:5432/kb?sslmode=disable",
			libpqConnection{url: "postgres://postgres@127.0.0.1:5432/kb?sslmode=disable"}},
		{"postgres://kb:s3cret@db.example:5432/kb?sslmode=require&search_path=kb_prod&statement_cache_capacity=10",
			libpqConnection{url: "postgres://kb@db.example:5432/kb?sslmode=require", env: []string{"PGPASSWORD=s3cret"}, schemas: []string{"kb_prod"}}},
		{`postgresql://kb@localhost/kb?search_path="$user",%20kb`,
			libpqConnection{url: "postgresql://kb@localhost/kb", schemas: []string{"kb"}}},
	} {
		got, err := libpqConn(tt.in)
		if err != nil {
			t.Errorf("libpqConn(%q): %v", tt.in, err)
			continue
		}
		if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(libpqConnection{})); d != "" {
			t.Errorf("libpqConn(%q) mismatch (-want +got):\n%s", tt.in, d)
		}
	}
	if _, err := libpqConn("host=localhost dbname=kb"); err == nil {
		t.Error("a key=value string was taken for a URL")
	}
}
