package web

import (
	"net/http"
	"time"

	"github.com/kinbridge/kinbridge"
)

type jsonPerson struct {
	ID             int64                  `json:"id"`
	Kind           kinbridge.PersonKind   `json:"kind"`
	HouseholdID    int64                  `json:"household_id"`
	UnitID         int64                  `json:"unit_id"`
	Relationship   string                 `json:"relationship"`
	NameNative     string                 `json:"name_native"`
	NameSecond     string                 `json:"name_second"`
	NameLatin      string                 `json:"name_latin"`
	BirthDate      string                 `json:"birth_date"`
	Sex            string                 `json:"sex"`
	Nationality    string                 `json:"nationality"`
	Phone          string                 `json:"phone"`
	Documents      []jsonDocument         `json:"documents"`
	ProgrammeIDs   []int64                `json:"programme_ids"`
	Notes          string                 `json:"notes"`
	Country        string                 `json:"country"`
	City           string                 `json:"city"`
	ContactChannel string                 `json:"contact_channel"`
	Status         kinbridge.PersonStatus `json:"status"`
	Address        string                 `json:"address"`
	MergedInto     *int64                 `json:"merged_into"`
	Created        time.Time              `json:"created"`
	Updated        time.Time              `json:"updated"`
}

type jsonDocument struct {
	Kind   string `json:"kind"`
	Number string `json:"number"`
}

func toJSONPerson(p *kinbridge.Person) jsonPerson {
	j := jsonPerson{ID: p.ID, Kind: p.Kind, HouseholdID: p.HouseholdID, UnitID: p.UnitID, Relationship: p.Relationship,
		NameNative: p.Names.Native, NameSecond: p.Names.Second, NameLatin: p.Names.Latin, BirthDate: p.BirthDate, Sex: p.Sex,
		Nationality: p.Nationality, Phone: p.Phone, Documents: []jsonDocument{}, ProgrammeIDs: p.ProgrammeIDs, Notes: p.Notes,
		Country: p.Country, City: p.City, ContactChannel: p.ContactChannel, Status: p.Status, Address: p.Address,
		Created: p.Created, Updated: p.Updated}
	for _, d := range p.Documents {
		j.Documents = append(j.Documents, jsonDocument{Kind: d.Kind, Number: d.Number})
	}
	if j.ProgrammeIDs == nil {
		j.ProgrammeIDs = []int64{}
	}
	if p.MergedInto != 0 {
		j.MergedInto = &p.MergedInto
	}
	return j
}

func toJSONPersons(ps []*kinbridge.Person) []jsonPerson {
	out := make([]jsonPerson, len(ps))
	for i, p := range ps {
		out[i] = toJSONPerson(p)
	}
	return out
}

type jsonLink struct {
	RelativeID   int64  `json:"relative_id"`
	MemberID     int64  `json:"member_id"`
	Relationship string `json:"relationship"`
}

func toJSONLinks(ls []*kinbridge.RelativeLink) []jsonLink {
	out := make([]jsonLink, len(ls))
	for i, l := range ls {
		out[i] = jsonLink{RelativeID: l.RelativeID, MemberID: l.MemberID, Relationship: l.Relationship}
	}
	return out
}

type jsonStatusEvent struct {
	ID            int64                `json:"id"`
	PersonID      int64                `json:"person_id"`
	HouseholdID   int64                `json:"household_id"`
	Kind          kinbridge.StatusKind `json:"kind"`
	Date          string               `json:"date"`
	ToHouseholdID *int64               `json:"to_household_id"`
	ToAddress     string               `json:"to_address"`
	Note          string               `json:"note"`
	Recorded      time.Time            `json:"recorded"`
	RecordedBy    int64                `json:"recorded_by"`
	RecorderName  string               `json:"recorder_name"`
}

func toJSONEvent(e *kinbridge.StatusEvent) jsonStatusEvent {
	j := jsonStatusEvent{ID: e.ID, PersonID: e.PersonID, HouseholdID: e.HouseholdID, Kind: e.Kind, Date: e.Date, ToAddress: e.ToAddress,
		Note: e.Note, Recorded: e.Recorded, RecordedBy: e.RecordedBy, RecorderName: e.RecorderName}
	if e.ToHouseholdID != 0 {
		j.ToHouseholdID = &e.ToHouseholdID
	}
	return j
}

func toJSONEvents(es []*kinbridge.StatusEvent) []jsonStatusEvent {
	out := make([]jsonStatusEvent, len(es))
	for i, e := range es {
		out[i] = toJSONEvent(e)
	}
	return out
}

type jsonDuplicate struct {
	PersonID   int64     `json:"person_id"`
	OtherID    int64     `json:"other_id"`
	Reason     string    `json:"reason"`
	PersonName string    `json:"person_name"`
	OtherName  string    `json:"other_name"`
	Created    time.Time `json:"created"`
}

func toJSONDuplicates(fs []*kinbridge.DuplicateFlag) []jsonDuplicate {
	out := make([]jsonDuplicate, len(fs))
	for i, f := range fs {
		out[i] = jsonDuplicate{PersonID: f.PersonID, OtherID: f.OtherID, Reason: f.Reason, PersonName: f.PersonName, OtherName: f.OtherName, Created: f.Created}
	}
	return out
}

// jsonPersonRecord is a person with everything their page shows.
type jsonPersonRecord struct {
	Person     jsonPerson        `json:"person"`
	Household  jsonHousehold     `json:"household"`
	Programmes []jsonProgramme   `json:"programmes"`
	Events     []jsonStatusEvent `json:"events"`
	Links      []jsonLink        `json:"links"`
	Related    []jsonPerson      `json:"related"`
	Duplicates []jsonDuplicate   `json:"duplicates"`
}

// personInput is the body of POST and PATCH; in a PATCH, fields not given
// are kept (kind and household_id are set at creation only: a person moves
// by a status event).
type personInput struct {
	Kind           *kinbridge.PersonKind `json:"kind"`
	HouseholdID    *int64                `json:"household_id"`
	Relationship   *string               `json:"relationship"`
	NameNative     *string               `json:"name_native"`
	NameSecond     *string               `json:"name_second"`
	NameLatin      *string               `json:"name_latin"`
	BirthDate      *string               `json:"birth_date"`
	Sex            *string               `json:"sex"`
	Nationality    *string               `json:"nationality"`
	Phone          *string               `json:"phone"`
	Documents      *[]jsonDocument       `json:"documents"`
	ProgrammeIDs   *[]int64              `json:"programme_ids"`
	Notes          *string               `json:"notes"`
	Country        *string               `json:"country"`
	City           *string               `json:"city"`
	ContactChannel *string               `json:"contact_channel"`
}

func (in personInput) apply(p *kinbridge.Person) {
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.HouseholdID != nil {
		p.HouseholdID = *in.HouseholdID
	}
	for _, f := range []struct{ from, to *string }{
		{in.Relationship, &p.Relationship}, {in.NameNative, &p.Names.Native}, {in.NameSecond, &p.Names.Second},
		{in.NameLatin, &p.Names.Latin}, {in.BirthDate, &p.BirthDate}, {in.Sex, &p.Sex}, {in.Nationality, &p.Nationality},
		{in.Phone, &p.Phone}, {in.Notes, &p.Notes}, {in.Country, &p.Country}, {in.City, &p.City}, {in.ContactChannel, &p.ContactChannel},
	} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if in.Documents != nil {
		p.Documents = nil
		for _, d := range *in.Documents {
			p.Documents = append(p.Documents, kinbridge.Document{Kind: d.Kind, Number: d.Number})
		}
	}
	if in.ProgrammeIDs != nil {
		p.ProgrammeIDs = *in.ProgrammeIDs
	}
}

// apiCreatePerson is POST /api/v1/persons: a resident or a relative abroad
// joins household_id. The answer lists the possible duplicates the new
// record was flagged with.
func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	var in personInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := &kinbridge.Person{}
	in.apply(p)
	flags, err := s.svc.CreatePerson(r.Context(), p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"person": toJSONPerson(p), "possible_duplicates": toJSONDuplicates(flags)})
}

// apiGetPerson is GET /api/v1/persons/{id}; the service audits the read.
func (s *Server) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var rec *kinbridge.PersonRecord
	if err == nil {
		rec, err = s.svc.FindPersonByID(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := jsonPersonRecord{Person: toJSONPerson(rec.Person), Household: toJSONHousehold(rec.Household),
		Programmes: []jsonProgramme{}, Events: toJSONEvents(rec.Events), Links: toJSONLinks(rec.Links),
		Related: toJSONPersons(rec.Related), Duplicates: toJSONDuplicates(rec.Duplicates)}
	for _, p := range rec.Programmes {
		out.Programmes = append(out.Programmes, toJSONProgramme(p))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiUpdatePerson is PATCH /api/v1/persons/{id}.
func (s *Server) apiUpdatePerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in personInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Kind != nil || in.HouseholdID != nil {
		field := "kind"
		if in.HouseholdID != nil {
			field = "household_id"
		}
		s.apiError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: field, Key: "error.person.fixed",
			Message: "Kind and household are set when a person is added; a person moves by a status event."})
		return
	}
	rec, err := s.svc.FindPersonByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p := rec.Person
	in.apply(p)
	if err := s.svc.UpdatePerson(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONPerson(p))
}

// apiAddStatusEvent is POST /api/v1/persons/{id}/status-events: the answer
// is the person with the status, household and address the event led to.
func (s *Server) apiAddStatusEvent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Kind          kinbridge.StatusKind `json:"kind"`
		Date          string               `json:"date"`
		ToHouseholdID int64                `json:"to_household_id"`
		ToAddress     string               `json:"to_address"`
		Note          string               `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	e := &kinbridge.StatusEvent{PersonID: id, Kind: in.Kind, Date: in.Date, ToHouseholdID: in.ToHouseholdID, ToAddress: in.ToAddress, Note: in.Note}
	p, err := s.svc.AddStatusEvent(r.Context(), e)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"event": toJSONEvent(e), "person": toJSONPerson(p)})
}

// apiLinkRelative is POST /api/v1/persons/{id}/links: the relative abroad
// {id} is related to member_id as relationship.
func (s *Server) apiLinkRelative(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		MemberID     int64  `json:"member_id"`
		Relationship string `json:"relationship"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	l := kinbridge.RelativeLink{RelativeID: id, MemberID: in.MemberID, Relationship: in.Relationship}
	if err := s.svc.LinkRelative(r.Context(), l); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiMergePerson is POST /api/v1/persons/{id}/merge: other_id is merged
// into {id}; the answer is the kept person.
func (s *Server) apiMergePerson(w http.ResponseWriter, r *http.Request) {
	id, other, err := s.otherID(w, r)
	var p *kinbridge.Person
	if err == nil {
		p, err = s.svc.MergePersons(r.Context(), id, other)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONPerson(p))
}

// apiDismissDuplicate is POST /api/v1/persons/{id}/dismiss: {id} and
// other_id are not the same person.
func (s *Server) apiDismissDuplicate(w http.ResponseWriter, r *http.Request) {
	id, other, err := s.otherID(w, r)
	if err == nil {
		err = s.svc.DismissDuplicate(r.Context(), id, other)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// otherID reads the {id} of the path and the other_id of the body.
func (s *Server) otherID(w http.ResponseWriter, r *http.Request) (int64, int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, 0, err
	}
	var in struct {
		OtherID int64 `json:"other_id"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return 0, 0, err
	}
	return id, in.OtherID, nil
}
