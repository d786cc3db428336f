package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/files"
)

// MustOpen opens a store over a fresh directory.
func MustOpen(tb testing.TB) *files.Dir {
	tb.Helper()
	d, err := files.Open(filepath.Join(tb.TempDir(), "kb.db.files"))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// names lists the directory's entries, temporary files included.
func names(tb testing.TB, dir string) []string {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var ns []string
	for _, e := range es {
		ns = append(ns, e.Name())
	}
	return ns
}

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	body := bytes.Repeat([]byte("%PDF-1.7 kinbridge report\n"), 100)
	key, size, sum, head, err := d.Put(ctx, bytes.NewReader(body), kinbridge.MaxAttachmentSize)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(body)
	if size != int64(len(body)) || sum != hex.EncodeToString(want[:]) || !bytes.Equal(head, body[:files.HeadSize]) {
		t.Errorf("Put: size %d sum %s head %d bytes; want %d, %x, the first %d", size, sum, len(head), len(body), want, files.HeadSize)
	}
	if strings.Contains(key, "/") || strings.Contains(key, "PDF") {
		t.Errorf("key %q", key)
	}
	rc, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("Open read %d bytes, %v; want the %d put", len(got), err, len(body))
	}
	if ns := names(t, d.Path()); len(ns) != 1 || ns[0] != key {
		t.Errorf("directory holds %v, want only %s", ns, key)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, key); kinbridge.ErrorCode(err) != kinbridge.ENOTFOUND {
		t.Errorf("Open after Delete: %v, want not found", err)
	}
	if err := d.Delete(ctx, key); kinbridge.ErrorCode(err) != kinbridge.ENOTFOUND {
		t.Errorf("second Delete: %v, want not found", err)
	}

	// Two puts of the same bytes get two keys: keys say nothing of content.
	k1, _, s1, _, err1 := d.Put(ctx, strings.NewReader("same"), 10)
	k2, _, s2, _, err2 := d.Put(ctx, strings.NewReader("same"), 10)
	if err1 != nil || err2 != nil || k1 == k2 || s1 != s2 {
		t.Errorf("same content twice: keys %s %s sums %s %s (%v, %v)", k1, k2, s1, s2, err1, err2)
	}
	// A short file's head is the whole file; an empty one is stored empty.
	_, size, _, head, err = d.Put(ctx, strings.NewReader(""), 10)
	if err != nil || size != 0 || len(head) != 0 {
		t.Errorf("empty file: size %d head %q, %v", size, head, err)
	}
}

// failingReader yields n bytes, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection reset by peer")
	}
	k := min(r.n, len(p))
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// TestPutWholeOrAbsent: an upload that fails midway, or whose request is
// cancelled, leaves neither a file nor a temporary file.
func TestPutWholeOrAbsent(t *testing.T) {
	t.Run("read error", func(t *testing.T) {
		d := MustOpen(t)
		_, _, _, _, err := d.Put(context.Background(), &failingReader{n: 100 << 10}, kinbridge.MaxAttachmentSize)
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Fatalf("Put of a failing upload: %v", err)
		}
		if ns := names(t, d.Path()); len(ns) != 0 {
			t.Errorf("after a failed Put the directory holds %v", ns)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		d := MustOpen(t)
		ctx, cancel := context.WithCancel(context.Background())
		r := io.MultiReader(strings.NewReader(strings.Repeat("a", 64<<10)), readerFunc(func(p []byte) (int, error) {
			cancel()
			return copy(p, "after cancel"), nil
		}), strings.NewReader(strings.Repeat("b", 64<<10)))
		if _, _, _, _, err := d.Put(ctx, r, kinbridge.MaxAttachmentSize); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with its context cancelled midway: %v", err)
		}
		if ns := names(t, d.Path()); len(ns) != 0 {
			t.Errorf("after a cancelled Put the directory holds %v", ns)
		}
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestPutLimit(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	const limit = 1000
	if _, size, _, _, err := d.Put(ctx, bytes.NewReader(make([]byte, limit)), limit); err != nil || size != limit {
		t.Fatalf("exactly the limit: size %d, %v", size, err)
	}
	before := names(t, d.Path())
	for _, n := range []int{limit + 1, 10 * limit} {
		_, _, _, _, err := d.Put(ctx, bytes.NewReader(make([]byte, n)), limit)
		if kinbridge.ErrorCode(err) != kinbridge.EINVALID {
			t.Errorf("%d bytes over a limit of %d: %v, want invalid", n, limit, err)
		}
		if after := names(t, d.Path()); len(after) != len(before) {
			t.Errorf("a refused file was kept: %v, before %v", after, before)
		}
	}
}

// TestKeysCannotLeaveTheDirectory: Open and Delete take only keys Put
// could have made, so no key reaches a file outside the directory.
func TestKeysCannotLeaveTheDirectory(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	d, err := files.Open(filepath.Join(parent, "files"))
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(parent, "kb.db")
	if err := os.WriteFile(secret, []byte("the database"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../kb.db", "..", ".", "/etc/passwd", "a/../../kb.db", secret,
		"0123456789abcdef0123456789abcde/", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef0", ".put-1234"} {
		if _, err := d.Open(ctx, key); kinbridge.ErrorCode(err) != kinbridge.EINVALID {
			t.Errorf("Open(%q): %v, want invalid", key, err)
		}
		if err := d.Delete(ctx, key); kinbridge.ErrorCode(err) != kinbridge.EINVALID {
			t.Errorf("Delete(%q): %v, want invalid", key, err)
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("the file outside the directory: %v", err)
	}
}

func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	const n = 32
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := strings.Repeat(fmt.Sprintf("file %d\n", i), 1000+i)
			keys[i], _, _, _, errs[i] = d.Put(ctx, strings.NewReader(body), kinbridge.MaxAttachmentSize)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("put %d: %v", i, errs[i])
		}
		if seen[keys[i]] {
			t.Fatalf("key %s given twice", keys[i])
		}
		seen[keys[i]] = true
		rc, err := d.Open(ctx, keys[i])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if want := strings.Repeat(fmt.Sprintf("file %d\n", i), 1000+i); string(got) != want {
			t.Errorf("file %d holds %d bytes, want %d", i, len(got), len(want))
		}
	}
	if ns := names(t, d.Path()); len(ns) != n {
		t.Errorf("directory holds %d entries, want %d", len(ns), n)
	}
}

// TestCopy: a backup's copy holds every file, and a second copy into the
// same place adds only the new ones.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	var keys []string
	for i := range 3 {
		k, _, _, _, err := d.Put(ctx, strings.NewReader(fmt.Sprint("file ", i)), 100)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	to := filepath.Join(t.TempDir(), "backup.db.files")
	if n, err := files.Copy(ctx, d.Path(), to); err != nil || n != 3 {
		t.Fatalf("Copy: %d, %v; want 3", n, err)
	}
	copied, err := files.Open(to)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		rc, err := copied.Open(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != fmt.Sprint("file ", i) {
			t.Errorf("copy of %s: %q", k, got)
		}
	}
	if _, _, _, _, err := d.Put(ctx, strings.NewReader("later"), 100); err != nil {
		t.Fatal(err)
	}
	if n, err := files.Copy(ctx, d.Path(), to); err != nil || n != 1 {
		t.Errorf("second Copy: %d, %v; want 1", n, err)
	}
}

func TestOpenRefusesAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := files.Open(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Open of a plain file: %v, want an error naming it", err)
	}
}
