package kinbridge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: who did what to which record,
// when and from where. Entries form a hash chain: each holds the hash of the
// one before, and its own hash covers every field, so an edited, deleted,
// inserted or reordered entry breaks the chain at that point.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64  // 0 for the system or an unknown user
	ActorName  string // username, or "system:<command>"
	UnitID     int64  // the unit the record belongs to; 0 if none
	Action     string // e.g. "user.create", "person.view"
	RecordType string
	RecordID   int64
	Addr       string
	Detail     string // JSON object; never a password or token
	PrevHash   string // hex
	Hash       string // hex
}

// AuditEvent is what a service says happened; audit turns it into an entry.
type AuditEvent struct {
	Action     string
	RecordType string
	RecordID   int64
	UnitID     int64
	Detail     map[string]any
}

// secretWords are never allowed as detail keys: the audit log must not hold
// passwords or tokens even by mistake.
var secretWords = []string{"password", "token", "secret", "hash"}

// audit appends an entry for the event to the log inside tx, chained to the
// current head. Every service write calls it in the write's transaction.
func (s *Service) audit(ctx context.Context, tx Tx, a *Actor, ev AuditEvent) error {
	detail := "{}"
	if len(ev.Detail) > 0 {
		clean := make(map[string]any, len(ev.Detail))
		for k, v := range ev.Detail {
			if isSecretKey(k) {
				continue
			}
			clean[k] = v
		}
		b, err := json.Marshal(clean) // map keys are sorted: the text is canonical
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	seq, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e := &AuditEntry{
		Seq: seq + 1, At: tx.Now(), ActorID: a.UserID, ActorName: a.Username, UnitID: ev.UnitID,
		Action: ev.Action, RecordType: ev.RecordType, RecordID: ev.RecordID, Addr: a.Addr, Detail: detail,
		PrevHash: hex.EncodeToString(prev),
	}
	e.Hash = hex.EncodeToString(e.ComputeHash())
	return tx.AppendAudit(ctx, e)
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// ComputeHash returns the SHA-256 of the entry's fields and the previous
// hash, each length-prefixed so that no two entries encode alike.
func (e *AuditEntry) ComputeHash() []byte {
	var buf bytes.Buffer
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		buf.Write(n[:])
		buf.WriteString(s)
	}
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(strconv.FormatInt(e.ActorID, 10))
	field(e.ActorName)
	field(strconv.FormatInt(e.UnitID, 10))
	field(e.Action)
	field(e.RecordType)
	field(strconv.FormatInt(e.RecordID, 10))
	field(e.Addr)
	field(e.Detail)
	field(e.PrevHash)
	sum := sha256.Sum256(buf.Bytes())
	return sum[:]
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	PathPrefix  string // entries of records in this subtree
	Path        string // entries of records of exactly this unit
	WithoutUnit bool   // also entries that belong to no unit
	ActorID     int64
	ActorName   string
	RecordType  string
	RecordID    int64
	Records     []AuditRecord // entries about any of these records
	From, To    time.Time     // To is exclusive
	BeforeSeq   int64         // paging: entries older than this
	Limit       int
}

// FindAuditEntries returns audit entries of the caller's scope.
func (s *Service) FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionAuditView); err != nil {
		return nil, err
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	// Entries that belong to no unit (failed sign-ins of unknown names, the
	// command line) are for the top of the tree only.
	f.WithoutUnit = a.System || (a.Role.SubtreeScope() && strings.Count(a.UnitPath, "/") == 2)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var entries []*AuditEntry
	err = s.store.View(ctx, func(tx Tx) error {
		entries, err = tx.FindAuditEntries(ctx, f)
		return err
	})
	return entries, err
}

// AuditProblem is the first place where the audit chain is broken.
type AuditProblem struct {
	Seq    int64
	Reason string
}

func (p *AuditProblem) String() string { return fmt.Sprintf("entry %d: %s", p.Seq, p.Reason) }

// VerifyAudit walks the whole audit log and checks the chain: consecutive
// sequence numbers, each entry's hash, each link to the previous entry, and
// the stored head. It returns the number of entries checked and the first
// problem, or nil when the log is intact. progress, if not nil, is called
// every 100,000 entries.
func (s *Service) VerifyAudit(ctx context.Context, progress func(checked int64)) (int64, *AuditProblem, error) {
	var n int64
	var problem *AuditProblem
	err := s.store.View(ctx, func(tx Tx) error {
		var prevSeq int64
		prevHash := ""
		err := tx.ScanAudit(ctx, func(e *AuditEntry) error {
			n++
			switch {
			case e.Seq != prevSeq+1 && e.Seq > prevSeq+1:
				problem = &AuditProblem{prevSeq + 1, fmt.Sprintf("missing: the log jumps from entry %d to %d (deleted entries)", prevSeq, e.Seq)}
			case e.Seq != prevSeq+1:
				problem = &AuditProblem{e.Seq, "out of order"}
			case e.PrevHash != prevHash:
				problem = &AuditProblem{e.Seq, "does not link to the entry before it (inserted, deleted or reordered entries)"}
			case hex.EncodeToString(e.ComputeHash()) != e.Hash:
				problem = &AuditProblem{e.Seq, "its content does not match its hash (edited)"}
			}
			if problem != nil {
				return errStopScan
			}
			prevSeq, prevHash = e.Seq, e.Hash
			if progress != nil && n%100000 == 0 {
				progress(n)
			}
			return nil
		})
		if err == errStopScan {
			return nil
		} else if err != nil {
			return err
		}
		headSeq, headHash, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		if headSeq != prevSeq || hex.EncodeToString(headHash) != prevHash {
			if headSeq > prevSeq {
				problem = &AuditProblem{prevSeq + 1, fmt.Sprintf("missing: the log ends at entry %d but its head says %d (deleted entries)", prevSeq, headSeq)}
			} else {
				problem = &AuditProblem{headSeq + 1, fmt.Sprintf("not in the chain: the head is entry %d but the log goes on to %d (inserted entries)", headSeq, prevSeq)}
			}
		}
		return nil
	})
	return n, problem, err
}

var errStopScan = fmt.Errorf("stop scan")

// AuditRecord names one record in the audit log.
type AuditRecord struct {
	Type string
	ID   int64
}

// WhoSawPerson lists the audit entries that read or changed a person's
// record or their household's: who saw this person, and when.
func (s *Service) WhoSawPerson(ctx context.Context, personID int64, beforeSeq int64) ([]*AuditEntry, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var entries []*AuditEntry
	err = s.store.Update(ctx, func(tx Tx) error {
		p, err := findPersonInScope(ctx, tx, a, ActionRegistryAudit, personID)
		if err != nil {
			return err
		}
		entries, err = tx.FindAuditEntries(ctx, AuditFilter{
			Records:   []AuditRecord{{"person", p.ID}, {"household", p.HouseholdID}},
			BeforeSeq: beforeSeq, Limit: 200,
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.who_saw", RecordType: "person", RecordID: p.ID, UnitID: p.UnitID})
	})
	return entries, err
}
