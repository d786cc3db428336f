package storetest

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sheet"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// The registry's large benchmarks (PERFORMANCE.md P7–P9) run only when
// asked for, with -bench and KINBRIDGE_BENCH_LARGE=1: each builds or loads
// a million rows or more.
//
//	KINBRIDGE_BENCH_LARGE=1 go test -run '^$' -bench 'Registry' -benchtime 1x -count 5 ./sqlite/ ./postgres/
func skipUnlessLarge(b *testing.B) {
	if os.Getenv("KINBRIDGE_BENCH_LARGE") != "1" {
		b.Skip("large registry benchmark: set KINBRIDGE_BENCH_LARGE=1 to run it")
	}
}

// benchUnits is the nation's shape: headquarters, 20 regions of 60
// offices each (1,221 units); households belong to the offices.
const benchRegions, benchOfficesPerRegion = 20, 60

// benchOrg creates the nation's units in one transaction and returns the
// offices.
func benchOrg(b *testing.B, s *sqlstore.Store) (hq *kinbridge.Unit, regions, offices []*kinbridge.Unit) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx kinbridge.Tx) error {
		hq = &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "HQ"}, TimeZone: "Asia/Seoul"}
		if err := tx.CreateUnit(ctx, hq); err != nil {
			return err
		}
		for r := range benchRegions {
			region := &kinbridge.Unit{ParentID: hq.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Region %d", r)}, TimeZone: "Asia/Seoul"}
			if err := tx.CreateUnit(ctx, region); err != nil {
				return err
			}
			regions = append(regions, region)
			for o := range benchOfficesPerRegion {
				office := &kinbridge.Unit{ParentID: region.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Office %d-%d", r, o)}, TimeZone: "Asia/Seoul"}
				if err := tx.CreateUnit(ctx, office); err != nil {
					return err
				}
				offices = append(offices, office)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("create units: %v", err)
	}
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	if err := svc.CreateProgramme(System(), &kinbridge.Programme{Code: "P1", Names: kinbridge.UnitNames{EN: "Separated families"}}); err != nil {
		b.Fatalf("create programme: %v", err)
	}
	return hq, regions, offices
}

var (
	koSurnames = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "류", "전",
		"홍", "고", "문", "양", "손", "배", "백", "허", "남", "심", "노", "하", "곽", "성", "차", "주", "우", "구", "민", "진"}
	koSyllables = []string{"영", "정", "민", "수", "지", "현", "은", "준", "서", "연", "경", "숙", "희", "철", "호", "성", "미", "진", "혜", "동",
		"명", "옥", "순", "자", "석", "광", "용", "남", "태", "상", "일", "국", "화", "선", "란", "봉", "길", "승", "우", "재",
		"하", "윤", "아", "나", "림", "금", "향", "춘", "복", "덕"}
	zhSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
		"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡"}
	zhGiven = []string{"伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
		"平", "刚", "桂", "兰", "小", "建", "华", "玉", "文", "红", "国", "海", "志", "春", "金", "晓", "德", "宇", "雪", "梅"}
	latinGiven = []string{"Anna", "Boris", "Chen", "Daria", "Elena", "Felix", "Galina", "Hana", "Igor", "Jin", "Katya", "Lev", "Mina", "Nikolai",
		"Olga", "Pavel", "Rina", "Sergei", "Tanya", "Ulyana", "Vera", "Yuri", "Zoya", "Min", "Sun", "Hyun", "Wei", "Mei", "Ivan", "Nadia"}
	latinFamily = []string{"Kim", "Lee", "Park", "Choi", "Pak", "Ri", "Jong", "Han", "Ivanova", "Petrov", "Sokolov", "Wang", "Li", "Zhang",
		"Liu", "Chen", "Novak", "Tsoi", "Ten", "Khan", "Shin", "Yun", "Kang", "Cho", "Lim", "Song", "Oh", "Hwang", "Seo", "Jang"}
	countries = []string{"CN", "KR", "RU", "US", "JP"}
	cities    = []string{"Shenyang", "Seoul", "Vladivostok", "Los Angeles", "Osaka", "Dandong", "Yanji", "Busan"}
)

// registryRows writes a deterministic registry import file of households
// of three (a head, a spouse, and a child or a relative abroad) spread over
// the offices, with names in Hangul, Chinese characters and Latin letters,
// and returns its path. Same seed, same file.
func registryRows(b *testing.B, dir string, persons int, offices []*kinbridge.Unit, seed uint64) string {
	path := filepath.Join(dir, fmt.Sprintf("registry-%d-%d.csv", persons, seed))
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(file)
	w.Write(kinbridge.ImportColumns)
	rng := rand.New(rand.NewPCG(seed, 7))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	name := func(script int) (native, latin string) {
		switch script {
		case 0:
			native = pick(koSurnames) + pick(koSyllables) + pick(koSyllables)
		case 1:
			native = pick(zhSurnames) + pick(zhGiven)
			if rng.IntN(2) == 0 {
				native += pick(zhGiven)
			}
		default:
			latin = pick(latinGiven) + " " + pick(latinFamily)
		}
		if script < 2 && rng.IntN(5) == 0 {
			latin = pick(latinFamily) + " " + pick(latinGiven)
		}
		return native, latin
	}
	col := func(row []string, name, value string) { row[slices.Index(kinbridge.ImportColumns, name)] = value }
	for h := 0; h*3 < persons; h++ {
		unit := offices[h%len(offices)]
		script := h % 3
		abroad := h%4 == 0
		for k := range min(3, persons-h*3) {
			row := make([]string, len(kinbridge.ImportColumns))
			col(row, "household", "H"+strconv.Itoa(h))
			col(row, "unit_id", strconv.FormatInt(unit.ID, 10))
			col(row, "address", fmt.Sprintf("%d-%d Riverside %d", h%97+1, h%13+1, h))
			col(row, "household_phone", fmt.Sprintf("02-%03d-%04d", h%1000, h%10000))
			col(row, "languages", "ko; zh")
			native, latin := name(script)
			col(row, "name_native", native)
			col(row, "name_latin", latin)
			col(row, "birth_date", fmt.Sprintf("%d-%02d-%02d", 1930+rng.IntN(90), 1+rng.IntN(12), 1+rng.IntN(28)))
			col(row, "sex", []string{"f", "m"}[rng.IntN(2)])
			col(row, "nationality", "KP")
			if rng.IntN(10) < 3 {
				col(row, "phone", fmt.Sprintf("010-%04d-%04d", rng.IntN(10000), rng.IntN(10000)))
			}
			if rng.IntN(2) == 0 {
				col(row, "documents", fmt.Sprintf("passport:%c%c%07d", 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(10000000)))
			}
			if rng.IntN(10) < 7 {
				col(row, "programmes", "P1")
			}
			switch {
			case k == 0:
				col(row, "kind", "resident")
				col(row, "person", "p1")
				col(row, "relationship", "head")
			case k == 1:
				col(row, "kind", "resident")
				col(row, "person", "p2")
				col(row, "relationship", "spouse")
			case abroad:
				col(row, "kind", "relative_abroad")
				col(row, "country", pick(countries))
				col(row, "city", pick(cities))
				col(row, "contact_channel", "WeChat: r"+strconv.Itoa(h))
				col(row, "related_to", "p1")
				col(row, "relationship", "child")
				col(row, "nationality", "")
			default:
				col(row, "kind", "resident")
				col(row, "relationship", "child")
			}
			w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := file.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// readImport reads an import file the way `kinbridge import` does.
func readImport(b *testing.B, path string) []kinbridge.ImportRow {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	imp, err := sheet.ReadImport(f, st.Size(), sheet.CSV, nil)
	if err != nil {
		b.Fatal(err)
	}
	return imp.Rows
}

// importPersons is the size of the import benchmark (P7);
// KINBRIDGE_BENCH_PERSONS overrides it, for profiling at a smaller size.
var importPersons = benchSize("KINBRIDGE_BENCH_PERSONS", 1_000_000)

func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchRegistryImport measures P7: a CSV file of 1,000,000 persons
// (333,334 households) read and imported through Service.ImportRegistry
// into a fresh database with the nation's units, and, in the same run, the
// engine's own bulk load of the same file into a plain table of the file's
// columns: the sqlite3 shell's .import, or PostgreSQL's COPY (pgx
// CopyFrom). It reports both rates and their ratio (target ≥ 0.5; and ≤ 30
// s for the import on SQLite).
func BenchRegistryImport(b *testing.B, open Opener) {
	skipUnlessLarge(b)
	dir := b.TempDir()
	var path string
	var importTime, refTime time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := open(b)
		_, _, offices := benchOrg(b, s)
		if path == "" {
			path = registryRows(b, dir, importPersons, offices, 1)
		}
		svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
		b.StartTimer()
		start := time.Now()
		rows := readImport(b, path)
		res, err := svc.ImportRegistry(System(), rows, kinbridge.ImportOptions{})
		if err != nil {
			b.Fatalf("import: %v (%d rejected, first %v)", err, len(res.Rejected), res.Rejected[:min(3, len(res.Rejected))])
		}
		importTime += time.Since(start)
		b.StopTimer()
		if res.Persons != importPersons {
			b.Fatalf("imported %d persons, want %d", res.Persons, importPersons)
		}
		rows = nil
		if i == 0 {
			var terms int
			s.WriteDB().QueryRow("SELECT COUNT(*) FROM person_terms").Scan(&terms)
			b.Logf("%d households, %d persons, %d search terms (%.1f a person), %d duplicate flags",
				res.Households, res.Persons, terms, float64(terms)/float64(res.Persons), res.DuplicateFlags)
		}
		d, ok := referenceLoad(b, s, path)
		if ok {
			refTime += d
		}
		s.Close()
		b.StartTimer()
	}
	rate := float64(importPersons*b.N) / importTime.Seconds()
	b.ReportMetric(importTime.Seconds()/float64(b.N), "import_s")
	b.ReportMetric(rate, "persons/s")
	if refTime > 0 {
		ref := float64(importPersons*b.N) / refTime.Seconds()
		b.ReportMetric(refTime.Seconds()/float64(b.N), "bulkload_s")
		b.ReportMetric(ref, "bulkload_rows/s")
		b.ReportMetric(rate/ref, "ratio")
	}
}

// referenceLoad runs the engine's own bulk load of the file into a plain
// table of its columns (all text), and returns how long it took.
func referenceLoad(b *testing.B, s *sqlstore.Store, path string) (time.Duration, bool) {
	switch s.Engine() {
	case "sqlite":
		shell, err := exec.LookPath("sqlite3")
		if err != nil {
			b.Logf("\n*** SKIPPING the sqlite3 .import half of the benchmark: the sqlite3 shell is not installed (apt-get install sqlite3) ***")
			return 0, false
		}
		db := filepath.Join(filepath.Dir(path), fmt.Sprintf("plain-%d.db", time.Now().UnixNano()))
		defer os.Remove(db)
		defer os.Remove(db + "-wal")
		// The same durability as kinbridge's database: WAL, synchronous FULL.
		script := "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\nCREATE TABLE plain (" +
			strings.Join(kinbridge.ImportColumns, " TEXT, ") + " TEXT);\n.import --csv --skip 1 " + path + " plain\n"
		cmd := exec.Command(shell, db)
		cmd.Stdin = strings.NewReader(script)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sqlite3 .import: %v\n%s", err, out)
		}
		return time.Since(start), true
	case "postgres":
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, PostgresSchemaURL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE TABLE plain ("+strings.Join(kinbridge.ImportColumns, " TEXT, ")+" TEXT)"); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil { // the header
			b.Fatal(err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"plain"}, kinbridge.ImportColumns, &csvSource{r: r})
		if err != nil {
			b.Fatalf("copy: %v", err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		if n != int64(importPersons) {
			b.Fatalf("copied %d rows", n)
		}
		return time.Since(start), true
	}
	return 0, false
}

// csvSource feeds CSV records to CopyFrom as they are read.
type csvSource struct {
	r    *csv.Reader
	rec  []string
	vals []any
	err  error
}

func (c *csvSource) Next() bool {
	c.rec, c.err = c.r.Read()
	return c.err == nil
}

func (c *csvSource) Values() ([]any, error) {
	if c.vals == nil {
		c.vals = make([]any, len(c.rec))
	}
	for i, s := range c.rec {
		c.vals[i] = s
	}
	return c.vals, nil
}

func (c *csvSource) Err() error {
	if c.err != nil && c.err.Error() != "EOF" {
		return c.err
	}
	return nil
}

// nationPersons is the nation size of PERFORMANCE.md (1,500,000 persons in
// 500,000 households, 1,221 units).
var nationPersons = benchSize("KINBRIDGE_BENCH_NATION", 1_500_000)

// nation is a nation-sized database, built once per engine and process.
type nation struct {
	store *sqlstore.Store
	svc   *kinbridge.Service
	cases []benchCase
}

// benchCase is a search and a household page, by someone who may see them.
type benchCase struct {
	ctx       context.Context
	query     string
	household int64
}

func regionOf(regions []*kinbridge.Unit, path string) *kinbridge.Unit {
	for _, r := range regions {
		if strings.HasPrefix(path, r.Path) {
			return r
		}
	}
	return regions[0]
}

// latinForm returns a Latin spelling of the person's name: their Latin
// name, or a romanisation of their native one.
func latinForm(p *kinbridge.Person) string {
	if p.Names.Latin != "" {
		return p.Names.Latin
	}
	for _, t := range kinbridge.PersonTerms(p) {
		if strings.HasPrefix(t.Term, "n:") && t.Weight == 90 && isLatin(t.Term[2:]) {
			return t.Term[2:]
		}
	}
	return p.Names.Display()
}

var (
	nationsMu sync.Mutex
	nations   = map[string]*nation{}
)

// openNation returns the nation-sized database of the engine, building it
// with the import (the bulk path) the first time in a process. The database
// lives in a temporary directory (SQLite) or schema (PostgreSQL) for the
// rest of the process: -count runs reuse it.
func openNation(b *testing.B, engine string, open Opener) *nation {
	nationsMu.Lock()
	defer nationsMu.Unlock()
	if n := nations[engine]; n != nil {
		return n
	}
	// One nation per engine is kept between processes at most: the next
	// run's first build replaces it — unless KINBRIDGE_BENCH_REUSE=1 and
	// the last build of this engine and size finished, which the marker
	// file says; then the run goes on with it (and the audit entries of the
	// runs before).
	dir := filepath.Join(os.TempDir(), "kinbridge-bench-nation")
	marker := filepath.Join(dir, engine+".built")
	want := strconv.Itoa(nationPersons)
	reuse := false
	if got, err := os.ReadFile(marker); err == nil && os.Getenv("KINBRIDGE_BENCH_REUSE") == "1" && string(got) == want {
		reuse = true
	} else {
		os.Remove(marker)
		if engine == "sqlite" {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(filepath.Join(dir, "nation.db"+suffix))
			}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var s *sqlstore.Store
	var err error
	switch engine {
	case "sqlite":
		s, err = sqlite.Open(ctx, filepath.Join(dir, "nation.db"))
	case "postgres":
		s, err = postgres.Open(ctx, postgresBenchSchema(b, "kb_bench_nation", !reuse))
	default:
		b.Fatalf("no nation for %s", engine)
	}
	if err != nil {
		b.Fatal(err)
	}
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	var hq *kinbridge.Unit
	var regions []*kinbridge.Unit
	var size int // persons in the registry
	if reuse {
		b.Logf("reusing the nation-sized registry (%d persons) on %s", nationPersons, engine)
		hq, regions = nationUnits(b, s)
		size = nationPersons
	} else {
		b.Logf("building the nation-sized registry (%d persons) on %s …", nationPersons, engine)
		start := time.Now()
		var offices []*kinbridge.Unit
		hq, regions, offices = benchOrg(b, s)
		path := registryRows(b, dir, nationPersons, offices, 2)
		res, err := svc.ImportRegistry(System(), readImport(b, path), kinbridge.ImportOptions{})
		if err != nil {
			b.Fatalf("build nation: %v", err)
		}
		os.Remove(path)
		if engine == "postgres" {
			if _, err := s.WriteDB().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
				b.Fatal(err)
			}
		} else if _, err := s.WriteDB().ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		b.Logf("built in %v: %d households, %d persons, %d duplicate flags", time.Since(start).Round(time.Second), res.Households, res.Persons, res.DuplicateFlags)
		size = res.Persons
		if err := os.WriteFile(marker, []byte(want), 0o600); err != nil {
			b.Fatal(err)
		}
	}

	n := &nation{store: s, svc: svc}
	// Each case is a person drawn at random, looked for (and their
	// household opened) by someone whose scope holds them: in turn the HQ
	// administrator, their region's supervisor and their office's officer.
	users := map[string]context.Context{}
	user := func(role kinbridge.Role, unitID int64) context.Context {
		name := fmt.Sprintf("%s-%d", role, unitID)
		if ctx, ok := users[name]; ok {
			return ctx
		}
		var u *kinbridge.User
		var err error
		if reuse {
			u, err = svc.FindUserByUsername(System(), name)
		}
		if u == nil {
			u, err = svc.CreateUser(System(), kinbridge.NewUser{Username: name, Role: role, UnitID: unitID, Password: testPassword})
		}
		if err != nil {
			b.Fatal(err)
		}
		users[name] = As(u)
		return users[name]
	}
	rng := rand.New(rand.NewPCG(3, 3))
	var persons []*kinbridge.Person
	err = s.View(ctx, func(tx kinbridge.Tx) error {
		for len(persons) < 600 {
			p, err := tx.FindPersonByID(ctx, 1+rng.Int64N(int64(size)))
			if err != nil {
				return err
			}
			persons = append(persons, p)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for i, p := range persons {
		var actor context.Context
		switch i % 3 {
		case 0:
			actor = user(kinbridge.RoleAdministrator, hq.ID)
		case 1:
			actor = user(kinbridge.RoleSupervisor, regionOf(regions, p.UnitPath).ID)
		default:
			actor = user(kinbridge.RoleOfficer, p.UnitID)
		}
		var q string
		switch i % 4 {
		case 0:
			q = p.Names.Display() // as written: Hangul, Chinese characters or Latin
		case 1:
			q = latinForm(p) // a Latin spelling, also of a name in Hangul or Chinese characters
		case 2:
			q = p.Names.Display()
			if f := strings.Fields(p.Names.Latin); len(f) == 2 {
				q = f[1] + " " + f[0] // family name first
			}
		default:
			q = p.Phone
			if q == "" {
				q = latinForm(p)
			}
		}
		n.cases = append(n.cases, benchCase{ctx: actor, query: q, household: p.HouseholdID})
	}
	b.Logf("%d users, %d cases", len(users), len(n.cases))
	nations[engine] = n
	return n
}

// nationUnits returns the headquarters and the regions of a nation built
// by an earlier run: the root unit and its children.
func nationUnits(b *testing.B, s *sqlstore.Store) (*kinbridge.Unit, []*kinbridge.Unit) {
	ctx := context.Background()
	var hq *kinbridge.Unit
	var regions []*kinbridge.Unit
	err := s.View(ctx, func(tx kinbridge.Tx) error {
		units, err := tx.FindUnits(ctx, kinbridge.UnitFilter{})
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.ParentID == 0 {
				hq = u
			}
		}
		for _, u := range units {
			if hq != nil && u.ParentID == hq.ID {
				regions = append(regions, u)
			}
		}
		return nil
	})
	if err != nil || hq == nil || len(regions) != benchRegions {
		b.Fatalf("the nation to reuse has no headquarters and %d regions (%v); build it again without KINBRIDGE_BENCH_REUSE", benchRegions, err)
	}
	return hq, regions
}

func isLatin(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

// BenchRegistrySearch measures P8: Service.SearchPersons (limit 50, as the
// search page) at nation size, by actors of every scope, with names in
// every script and phone numbers; it reports p50 and p95 server time.
func BenchRegistrySearch(b *testing.B, open Opener) {
	skipUnlessLarge(b)
	n := openNation(b, engineOf(b, open), open)
	var lat []time.Duration
	found := 0
	i := 0
	for b.Loop() {
		c := n.cases[i%len(n.cases)]
		i++
		start := time.Now()
		res, err := n.svc.SearchPersons(c.ctx, c.query, 50)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatalf("search %q: %v", c.query, err)
		}
		found += len(res)
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(found)/float64(len(lat)), "results/op")
}

// BenchHouseholdPage measures P9: Service.FindHouseholdByID (the household
// page's server time: household, unit, members, relatives, links, status
// history, former members, the audit entry) at nation size, by actors of
// every scope; it reports p50 and p95.
func BenchHouseholdPage(b *testing.B, open Opener) {
	skipUnlessLarge(b)
	n := openNation(b, engineOf(b, open), open)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		c := n.cases[i%len(n.cases)]
		i++
		start := time.Now()
		_, err := n.svc.FindHouseholdByID(c.ctx, c.household)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatalf("household %d: %v", c.household, err)
		}
	}
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.95), "p95_ms")
}

// engineOf tells the engine an opener opens, without keeping the store.
var enginesOf sync.Map

func engineOf(b *testing.B, open Opener) string {
	key := fmt.Sprintf("%p", open)
	if e, ok := enginesOf.Load(key); ok {
		return e.(string)
	}
	s := open(b)
	e := s.Engine()
	s.Close()
	enginesOf.Store(key, e)
	return e
}

// postgresBenchSchema (re)creates the schema, if fresh,
// and returns a URL that works in it. It is not dropped when the benchmark
// ends, so that every benchmark of the process can share the nation; the
// next process's first build drops it.
func postgresBenchSchema(b *testing.B, schema string, fresh bool) string {
	base := PostgresURL(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if fresh {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
