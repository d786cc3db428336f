package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kinbridge/kinbridge"
)

// memFiles is an in-memory kinbridge.AttachmentStore for the web tests
// (the durable one is package files').
type memFiles struct {
	mu    sync.Mutex
	n     int
	files map[string][]byte
}

func newMemFiles() *memFiles { return &memFiles{files: map[string][]byte{}} }

func (m *memFiles) Put(ctx context.Context, r io.Reader, limit int64) (string, int64, string, []byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", 0, "", nil, err
	}
	if int64(len(b)) > limit {
		return "", 0, "", nil, &kinbridge.Error{Code: kinbridge.EINVALID, Message: "too large"}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	key := fmt.Sprintf("k%d", m.n)
	m.files[key] = b
	sum := sha256.Sum256(b)
	return key, int64(len(b)), hex.EncodeToString(sum[:]), b[:min(len(b), 512)], nil
}

func (m *memFiles) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[key]
	if !ok {
		return nil, &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "no such file"}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memFiles) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	return nil
}

func (m *memFiles) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.files)
}

// directiveBoss is an administrator at the root, who acts for the
// fixtures' directive records (a report needs a real submitter).
func (f *fixture) directiveBoss() context.Context {
	f.tb.Helper()
	if f.boss == nil {
		f.boss = f.user(kinbridge.RoleAdministrator, f.root)
	}
	return f.actor(f.boss)
}

// issue issues, as the root's administrator, a directive of the issuer to
// the units, due in 30 days.
func (f *fixture) issue(issuer *kinbridge.Unit, title string, to ...*kinbridge.Unit) *kinbridge.Directive {
	f.tb.Helper()
	d := &kinbridge.Directive{IssuerUnitID: issuer.ID, Title: title, Body: "Do it.", DueAt: time.Now().Add(30 * 24 * time.Hour)}
	for _, u := range to {
		d.Addressees.UnitIDs = append(d.Addressees.UnitIDs, u.ID)
	}
	if err := f.svc.IssueDirective(f.directiveBoss(), d); err != nil {
		f.tb.Fatalf("issue directive: %v", err)
	}
	return d
}

// assignmentOf returns the unit's assignment of the directive version.
func (f *fixture) assignmentOf(d *kinbridge.Directive, u *kinbridge.Unit) *kinbridge.Assignment {
	f.tb.Helper()
	rec, err := f.svc.FindDirective(f.directiveBoss(), d.ID)
	if err != nil {
		f.tb.Fatalf("find directive: %v", err)
	}
	for _, a := range rec.Assignments {
		if a.UnitID == u.ID {
			return a
		}
	}
	f.tb.Fatalf("directive %d has no assignment of unit %d", d.ID, u.ID)
	return nil
}

// acknowledge acknowledges an assignment as the root's administrator.
func (f *fixture) acknowledge(as *kinbridge.Assignment) {
	f.tb.Helper()
	if _, err := f.svc.StepAssignment(f.directiveBoss(), as.ID, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge}); err != nil {
		f.tb.Fatalf("acknowledge: %v", err)
	}
}

// report acknowledges and reports on an assignment as the root's
// administrator, with a text attachment when the service keeps files.
func (f *fixture) report(as *kinbridge.Assignment, withFile bool) *kinbridge.Report {
	f.tb.Helper()
	f.acknowledge(as)
	var files []kinbridge.AttachmentUpload
	if withFile {
		files = append(files, kinbridge.AttachmentUpload{Name: "notes.txt", Body: strings.NewReader("What we did, in plain text.\n")})
	}
	r, err := f.svc.SubmitReport(f.directiveBoss(), as.ID, 0, "We did it.", files)
	if err != nil {
		f.tb.Fatalf("report: %v", err)
	}
	return r
}
