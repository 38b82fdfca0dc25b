package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// HeaderIdempotencyKey makes POST /api/v1/awards safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// awardRequest is the body of POST /api/v1/awards.
type awardRequest struct {
	AchievementID      string       `json:"achievementId"`
	AchievementVersion int          `json:"achievementVersion,omitempty"`
	Learner            learnerInput `json:"learner"`
	Result             string       `json:"result,omitempty"`
	CreditsEarned      int          `json:"creditsEarned,omitempty"`
	CompletedOn        string       `json:"completedOn"`
	Evidence           []string     `json:"evidence,omitempty"`
	// Approve and Issue ask for the whole workflow in one call; the key
	// must hold the approver role as well as assessor.
	Approve bool `json:"approve,omitempty"`
	Issue   bool `json:"issue,omitempty"`
}

type learnerInput struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	DID   string `json:"did,omitempty"`
	NSN   string `json:"nsn,omitempty"`
}

// reasonRequest is the body of revoke, suspend and reinstate.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// awardResponse is one award. The National Student Number is the
// provider's own record and is returned to it; it never enters a credential.
type awardResponse struct {
	ID                 string       `json:"id"`
	State              string       `json:"state"`
	AchievementID      string       `json:"achievementId"`
	AchievementVersion int          `json:"achievementVersion"`
	Learner            learnerInput `json:"learner"`
	Result             string       `json:"result"`
	CreditsEarned      int          `json:"creditsEarned"`
	CompletedOn        string       `json:"completedOn"`
	Evidence           []string     `json:"evidence"`
	CreatedBy          string       `json:"createdBy"`
	ApprovedBy         string       `json:"approvedBy,omitempty"`
	IssuedAt           *time.Time   `json:"issuedAt,omitempty"`
	Reason             string       `json:"reason,omitempty"`
	CredentialURL      string       `json:"credentialUrl,omitempty"`
	CreatedAt          time.Time    `json:"createdAt"`
	UpdatedAt          time.Time    `json:"updatedAt"`
}

func (s *server) awardDTO(a *issuer.Award) awardResponse {
	r := awardResponse{
		ID: a.ID, State: string(a.State), AchievementID: a.AchievementID, AchievementVersion: a.AchievementVersion,
		Learner: learnerInput{Name: a.LearnerName, Email: a.LearnerEmail, DID: a.LearnerDID, NSN: a.NSN},
		Result:  a.Result, CreditsEarned: a.CreditsEarned, CompletedOn: formatDate(&a.CompletedOn),
		Evidence: nonNil(a.EvidenceURLs), CreatedBy: a.CreatedBy, ApprovedBy: a.ApprovedBy,
		IssuedAt: a.IssuedAt, Reason: a.Reason, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	if a.IssuedAt != nil {
		r.CredentialURL = s.credentialURL(a.ID)
	}
	return r
}

func (s *server) credentialURL(awardID string) string { return s.BaseURL + "/credentials/" + awardID }

// createAward is POST /api/v1/awards (assessor). With "approve" and/or
// "issue" the same call approves and issues (approver role too). A retry
// with the same Idempotency-Key returns the same award, issued once.
func (s *server) createAward(c *fiber.Ctx) error {
	var req awardRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	completed, err := parseDate("/completedOn", req.CompletedOn)
	if err != nil {
		return err
	}
	in := issuer.NewAward{
		AchievementID: req.AchievementID, AchievementVersion: req.AchievementVersion,
		LearnerName: req.Learner.Name, LearnerEmail: req.Learner.Email, LearnerDID: req.Learner.DID, NSN: req.Learner.NSN,
		Result: req.Result, CreditsEarned: req.CreditsEarned, EvidenceURLs: req.Evidence,
	}
	if completed != nil {
		in.CompletedOn = *completed
	}
	me := actor(c)
	if (req.Approve || req.Issue) && !me.Has(issuer.RoleApprover) {
		return errs.F(errs.Forbidden, "/issue", "Approving or issuing in the same call needs a key with the approver role too.")
	}
	in.ToIssue = req.Issue // a refused issue must not leave the award behind
	ctx := c.UserContext()
	a, err := s.Issuer.CreateAward(ctx, me, in, strings.Clone(c.Get(HeaderIdempotencyKey)))
	if err != nil {
		return err
	}
	// Each step is skipped when a retry finds it done already, so a retried
	// combined call converges on the same issued award.
	if (req.Approve || req.Issue) && a.State == issuer.AwardPending {
		if a, err = s.Issuer.ApproveAward(ctx, me, a.ID); err != nil {
			return err
		}
	}
	if req.Issue && a.State == issuer.AwardApproved {
		issued, err := s.Issuer.IssueAward(ctx, me, a.ID)
		if err != nil {
			return err
		}
		a = issued.Award
	}
	c.Location(s.BaseURL + "/api/v1/awards/" + a.ID)
	return c.Status(fiber.StatusCreated).JSON(s.awardDTO(a))
}

// getAward is GET /api/v1/awards/:id (any role of the award's provider).
func (s *server) getAward(c *fiber.Ctx) error {
	a, err := s.Issuer.GetAward(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.awardDTO(a))
}

// listAwards is GET /api/v1/awards[?state=&achievementId=&limit=].
func (s *server) listAwards(c *fiber.Ctx) error {
	me := actor(c)
	f := issuer.AwardFilter{
		ProviderID:    me.ProviderID,
		AchievementID: strings.Clone(c.Query("achievementId")),
		State:         issuer.AwardState(strings.Clone(c.Query("state"))),
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return malformedf("", "limit must be a whole number from 1 to 1000.")
		}
		f.Limit = n
	}
	list, err := s.Issuer.ListAwards(c.UserContext(), me, f)
	if err != nil {
		return err
	}
	out := make([]awardResponse, len(list))
	for i := range list {
		out[i] = s.awardDTO(&list[i])
	}
	return c.JSON(fiber.Map{"awards": out})
}

// approveAward is POST /api/v1/awards/:id/approve (approver).
func (s *server) approveAward(c *fiber.Ctx) error {
	a, err := s.Issuer.ApproveAward(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.awardDTO(a))
}

// issueAward is POST /api/v1/awards/:id/issue (approver): signs and stores
// the credential in both forms and returns the award with its URL.
func (s *server) issueAward(c *fiber.Ctx) error {
	issued, err := s.Issuer.IssueAward(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.awardDTO(issued.Award))
}

// statusFunc is Issuer.Revoke, Suspend or Reinstate.
type statusFunc func(ctx context.Context, a issuer.Actor, id, reason string) (*issuer.Award, error)

// changeStatus returns the handler for revoke, suspend or reinstate
// (approver), each with a required reason.
func (s *server) changeStatus(change func(Issuer) statusFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req reasonRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		a, err := change(s.Issuer)(c.UserContext(), actor(c), strings.Clone(c.Params("id")), req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(s.awardDTO(a))
	}
}
