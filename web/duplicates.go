package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

type duplicatesPage struct {
	Flags []*kinbridge.DuplicateFlag
}

// showDuplicates is GET /duplicates: the possible duplicates of the
// caller's scope, each pair with the actions to merge it either way or to
// dismiss it.
func (s *Server) showDuplicates(w http.ResponseWriter, r *http.Request) {
	flags, err := s.svc.FindDuplicateFlags(r.Context(), 0)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "duplicates.title")
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Data = duplicatesPage{Flags: flags}
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "duplicates", v)
}

// mergePerson is POST /persons/{id}/merge: the record other_id is merged
// into {id}, which is kept; the merged record stays, marked, with its
// history. From the duplicates list (next=/duplicates) the list follows;
// otherwise the kept person's page.
func (s *Server) mergePerson(w http.ResponseWriter, r *http.Request) {
	s.duplicateAction(w, r, func(id, other int64) error {
		_, err := s.svc.MergePersons(r.Context(), id, other)
		return err
	}, "persons_merged")
}

// dismissDuplicate is POST /persons/{id}/dismiss: {id} and other_id are not
// the same person; their flags go.
func (s *Server) dismissDuplicate(w http.ResponseWriter, r *http.Request) {
	s.duplicateAction(w, r, func(id, other int64) error {
		return s.svc.DismissDuplicate(r.Context(), id, other)
	}, "duplicate_dismissed")
}

func (s *Server) duplicateAction(w http.ResponseWriter, r *http.Request, action func(id, other int64) error, done string) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = action(id, formInt(r, "other_id"))
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderPerson(w, r, statusOf(err), r.PostForm, err, "duplicate")
		return
	}
	if r.PostForm.Get("next") == "/duplicates" {
		redirect(w, r, "/duplicates?done="+done)
		return
	}
	redirect(w, r, personURL(id)+"?done="+done)
}
