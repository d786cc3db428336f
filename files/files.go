// Package files keeps the attachments of kinbridge on the local disk: a
// kinbridge.AttachmentStore over one directory. A file is written to a
// temporary name in that directory, checked against the size limit while
// it is copied, synced, renamed to its key and the directory synced, so
// that after a crash it is either whole under its key or absent. Keys are
// random, never derived from the content or the name the user gave, and
// files are never rewritten: a key names the same bytes for ever.
package files

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// keyLen is the length of a key: 16 random bytes in lowercase hex.
const keyLen = 32

// HeadSize is how many of a file's first bytes Put returns, enough for
// http.DetectContentType.
const HeadSize = 512

// tempPrefix starts the names of files being written; no key starts so.
const tempPrefix = ".put-"

// staleTemp is how old a temporary file left by a crash must be before Open
// removes it (younger ones may belong to a Put in another process).
const staleTemp = time.Hour

// Dir is an attachment store over a directory.
type Dir struct {
	path string
}

var _ kinbridge.AttachmentStore = (*Dir)(nil)

// Open returns the store over the directory, creating it (mode 0700) if it
// is missing, and removes temporary files that a crash left behind.
func Open(path string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("files: no directory given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("files: %s: %w", path, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("files: cannot create the attachments directory %s: %w (check its parent's permissions)", abs, err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("files: cannot read the attachments directory %s: %w", abs, err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(abs, e.Name()))
		}
	}
	// A directory we cannot write to should fail now, not at the first upload.
	probe, err := os.CreateTemp(abs, tempPrefix+"probe-*")
	if err != nil {
		return nil, fmt.Errorf("files: the attachments directory %s is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &Dir{path: abs}, nil
}

// Path returns the directory.
func (d *Dir) Path() string { return d.path }

// Put stores at most limit bytes of r under a new random key and returns
// the key, the size, the SHA-256 (hex) and the first HeadSize bytes. More
// than limit bytes is an EINVALID error; on any error nothing is kept.
func (d *Dir) Put(ctx context.Context, r io.Reader, limit int64) (key string, size int64, sum string, head []byte, err error) {
	f, err := os.CreateTemp(d.path, tempPrefix+"*")
	if err != nil {
		return "", 0, "", nil, fmt.Errorf("files: put: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	hw := &headWriter{}
	// One byte over the limit is enough to know the file is too large.
	n, err := io.Copy(io.MultiWriter(f, h, hw), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return "", 0, "", nil, fmt.Errorf("files: put: reading the upload: %w", err)
	}
	if n > limit {
		return "", 0, "", nil, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "attachments", Key: "error.attachment.size",
			Message: fmt.Sprintf("The file is larger than %d bytes.", limit)}
	}
	if err := f.Sync(); err != nil {
		return "", 0, "", nil, fmt.Errorf("files: put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, "", nil, fmt.Errorf("files: put: close: %w", err)
	}
	if key, err = newKey(); err != nil {
		return "", 0, "", nil, err
	}
	if err := os.Rename(tmp, filepath.Join(d.path, key)); err != nil {
		return "", 0, "", nil, fmt.Errorf("files: put: rename: %w", err)
	}
	done = true
	// The rename is durable only once the directory is synced.
	if err := syncDir(d.path); err != nil {
		os.Remove(filepath.Join(d.path, key))
		return "", 0, "", nil, fmt.Errorf("files: put: %w", err)
	}
	return key, n, hex.EncodeToString(h.Sum(nil)), hw.b, nil
}

// Open returns the file under key.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(d.path, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &kinbridge.Error{Code: kinbridge.ENOTFOUND, Key: "error.not_found", Message: "attachment file not found"}
	} else if err != nil {
		return nil, fmt.Errorf("files: open: %w", err)
	}
	return f, nil
}

// Delete removes the file under key; a key with no file is ENOTFOUND.
func (d *Dir) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(d.path, key))
	if errors.Is(err, fs.ErrNotExist) {
		return &kinbridge.Error{Code: kinbridge.ENOTFOUND, Key: "error.not_found", Message: "attachment file not found"}
	} else if err != nil {
		return fmt.Errorf("files: delete: %w", err)
	}
	return syncDir(d.path)
}

// Copy copies every stored file of the directory from into the directory
// to (created if missing), each durably, skipping the keys to already
// holds; it returns how many it copied. Files are never rewritten, so a
// copy made after a database backup holds every file that backup names.
func Copy(ctx context.Context, from, to string) (int, error) {
	entries, err := os.ReadDir(from)
	if err != nil {
		return 0, fmt.Errorf("files: copy: %w", err)
	}
	dst, err := Open(to)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if checkKey(e.Name()) != nil || !e.Type().IsRegular() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		target := filepath.Join(dst.path, e.Name())
		if _, err := os.Lstat(target); err == nil {
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), target); err != nil {
			return n, err
		}
		n++
	}
	if err := syncDir(dst.path); err != nil {
		return n, err
	}
	return n, nil
}

// copyFile copies src to dst through a synced temporary file and a rename.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("files: copy: %w", err)
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("files: copy: %w", err)
	}
	tmp := out.Name()
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("files: copy %s: %w", filepath.Base(src), err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("files: copy %s: sync: %w", filepath.Base(src), err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("files: copy %s: %w", filepath.Base(src), err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("files: copy %s: %w", filepath.Base(src), err)
	}
	return nil
}

// newKey returns a random key.
func newKey() (string, error) {
	var b [keyLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("files: random key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// checkKey refuses anything but a key Put could have made, so that no key
// names a path outside the directory.
func checkKey(key string) error {
	ok := len(key) == keyLen
	for i := 0; ok && i < len(key); i++ {
		c := key[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	if !ok {
		return &kinbridge.Error{Code: kinbridge.EINVALID, Field: "key", Message: fmt.Sprintf("%q is not an attachment key", key)}
	}
	return nil
}

// syncDir syncs a directory, making the renames and removals in it durable.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", path, err)
	}
	return nil
}

// headWriter keeps the first HeadSize bytes written to it.
type headWriter struct{ b []byte }

func (w *headWriter) Write(p []byte) (int, error) {
	if n := HeadSize - len(w.b); n > 0 {
		w.b = append(w.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops reading once the context is done, so that an upload
// whose request ended stops being written.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
