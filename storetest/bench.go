package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// BenchAuditShare measures what the audit log costs a write: a unit created
// through the Service (validation, the write, the audit entry), and the
// same store work in a transaction with and without the audit append. The
// audit's share of a write is (with − without) / with.
func BenchAuditShare(b *testing.B, open Opener) {
	b.Run("service", func(b *testing.B) {
		s := open(b)
		svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
		ctx := System()
		root := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "Root"}}
		if err := svc.CreateUnit(ctx, root); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			u := &kinbridge.Unit{ParentID: root.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Unit %d", i)}, TimeZone: "UTC"}
			if err := svc.CreateUnit(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, audited := range []bool{true, false} {
		name := "store/without_audit"
		if audited {
			name = "store/with_audit"
		}
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			root := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "Root"}, TimeZone: "UTC"}
			if err := s.Update(ctx, func(tx kinbridge.Tx) error { return tx.CreateUnit(ctx, root) }); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				err := s.Update(ctx, func(tx kinbridge.Tx) error {
					// What the Service does: look the parent up, then write.
					if _, err := tx.FindUnitByID(ctx, root.ID); err != nil {
						return err
					}
					u := &kinbridge.Unit{ParentID: root.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Unit %d", i)}, TimeZone: "UTC"}
					if err := tx.CreateUnit(ctx, u); err != nil {
						return err
					}
					if !audited {
						return nil
					}
					return appendEntry(ctx, tx, "unit.create", u.ID)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// auditVerifyEntries is the size of the log BenchAuditVerify checks.
const auditVerifyEntries = 30000

// BenchAuditVerify measures Service.VerifyAudit over a log of
// auditVerifyEntries entries, and reports entries checked per second.
func BenchAuditVerify(b *testing.B, open Opener) {
	s := open(b)
	ctx := context.Background()
	const batch = 5000
	for done := 0; done < auditVerifyEntries; done += batch {
		err := s.Update(ctx, func(tx kinbridge.Tx) error {
			for i := 0; i < batch; i++ {
				if err := appendEntry(ctx, tx, "person.view", int64(i%50)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	var total int64
	start := time.Now()
	for b.Loop() {
		n, problem, err := svc.VerifyAudit(ctx, nil)
		if err != nil {
			b.Fatal(err)
		} else if problem != nil {
			b.Fatal(problem)
		} else if n != auditVerifyEntries {
			b.Fatalf("verified %d entries, want %d", n, auditVerifyEntries)
		}
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "entries/s")
}
