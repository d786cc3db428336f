package kinbridge

import (
	"strings"
	"testing"
	"time"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func row(line int, cells string) ImportRow {
	r := ImportRow{Line: line, Cells: map[string]string{}}
	for _, kv := range strings.Split(cells, "|") {
		k, v, _ := strings.Cut(kv, "=")
		r.Cells[k] = v
	}
	return r
}

func TestValidateImport(t *testing.T) {
	units := map[int64]*Unit{3: {ID: 3, Path: "/1/3/"}}
	programmes := map[string]int64{"p1": 7}
	clock := fixedClock(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	rows := []ImportRow{
		row(2, "household=A|unit_id=3|address=1 River Rd|person=a1|kind=resident|name_native=王小明|relationship=head|programmes=P1|documents=passport:E1"),
		row(3, "household=A|unit_id=3|address=1 River Rd|person=a2|kind=resident|name_latin=Li Na|birth_date=1990-02-30"), // bad date
		row(4, "household=A|unit_id=3|address=1 River Rd|kind=relative_abroad|name_latin=Wang Wei|country=CN|related_to=a1|relationship=child"),
		row(5, "household=A|unit_id=3|address=2 Other Rd|person=a3|kind=resident|name_latin=Wang Bo"),                                        // disagrees
		row(6, "household=B|unit_id=9|address=5 Hill St|person=b1|kind=resident|name_latin=Kim Ok"),                                          // unit out of scope
		row(7, "household=C|unit_id=3|address=7 Lake Rd|person=c1|kind=resident|name_latin=Pak Su|programmes=P9"),                            // programme
		row(8, "household=C|unit_id=3|address=7 Lake Rd|kind=relative_abroad|name_latin=Pak Il|country=CN|related_to=c1|relationship=child"), // member rejected
		row(9, "household=C|unit_id=3|address=7 Lake Rd|person=c2|kind=resident|name_latin=Pak Mi|documents=passport"),                       // document format
	}
	hs, rejected := validateImport(rows, units, programmes, clock, func(string, int, int) {})
	want := map[int]string{3: "birth_date", 5: "household", 6: "unit_id", 7: "programmes", 8: "related_to", 9: "documents"}
	if len(rejected) != len(want) {
		t.Errorf("rejected %v, want lines %v", rejected, want)
	}
	for _, r := range rejected {
		if want[r.Line] != r.Field {
			t.Errorf("line %d rejected at %q (%s), want %q", r.Line, r.Field, r.Message, want[r.Line])
		}
	}
	if len(hs) != 2 || len(hs[0].persons) != 2 || len(hs[1].persons) != 0 {
		t.Fatalf("households %+v", hs)
	}
	if p := hs[0].persons[0]; p.ProgrammeIDs[0] != 7 || p.Documents[0].Number != "E1" || len(p.Terms) == 0 {
		t.Errorf("person %+v", p)
	}
	if rel := hs[0].persons[1]; rel.Kind != PersonRelativeAbroad || rel.relatedTo != "a1" || rel.relatedAs != "child" {
		t.Errorf("relative %+v", rel)
	}
}

func TestCheckImportHeader(t *testing.T) {
	if err := CheckImportHeader(ImportColumns); err != nil {
		t.Error(err)
	}
	if err := CheckImportHeader([]string{"household", "unit_id"}); ErrorField(err) != "address" {
		t.Errorf("missing address: %v", err)
	}
	if err := CheckImportHeader([]string{"household", "unit_id", "address", "shoe_size"}); ErrorField(err) != "shoe_size" {
		t.Errorf("unknown column: %v", err)
	}
}
