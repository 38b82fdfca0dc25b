package api

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// achievementRequest is the body of POST /api/v1/achievements and
// PUT /api/v1/achievements/:id: one micro-credential as NZQA listed it.
type achievementRequest struct {
	Title               string   `json:"title"`
	TitleMi             string   `json:"titleMi,omitempty"`
	NZQARef             string   `json:"nzqaRef"`
	NZQAVersion         string   `json:"nzqaVersion"`
	Level               int      `json:"level"`
	Credits             int      `json:"credits"`
	Aim                 string   `json:"aim,omitempty"`
	Outcomes            []string `json:"outcomes"`
	AssessmentNarrative string   `json:"assessmentNarrative,omitempty"`
	NZSCEDCode          string   `json:"nzscedCode"`
	NZSCEDName          string   `json:"nzscedName,omitempty"`
	Developer           string   `json:"developer"`
	QARoute             string   `json:"qaRoute,omitempty"`
	EquityTags          []string `json:"equityTags,omitempty"`
	ApprovalStatus      string   `json:"approvalStatus,omitempty"`
	ListedOn            string   `json:"listedOn,omitempty"`
	NextReviewOn        string   `json:"nextReviewOn,omitempty"`
	ImageURL            string   `json:"imageUrl,omitempty"`
	AccreditedProviders []string `json:"accreditedProviders,omitempty"`
}

// achievementResponse is one achievement version.
type achievementResponse struct {
	ID                  string    `json:"id"`
	Version             int       `json:"version"`
	ProviderID          string    `json:"providerId"`
	Title               string    `json:"title"`
	TitleMi             string    `json:"titleMi,omitempty"`
	NZQARef             string    `json:"nzqaRef"`
	NZQAVersion         string    `json:"nzqaVersion"`
	Level               int       `json:"level"`
	Credits             int       `json:"credits"`
	Aim                 string    `json:"aim,omitempty"`
	Outcomes            []string  `json:"outcomes"`
	AssessmentNarrative string    `json:"assessmentNarrative,omitempty"`
	NZSCEDCode          string    `json:"nzscedCode"`
	NZSCEDName          string    `json:"nzscedName,omitempty"`
	Developer           string    `json:"developer"`
	QARoute             string    `json:"qaRoute,omitempty"`
	EquityTags          []string  `json:"equityTags,omitempty"`
	ApprovalStatus      string    `json:"approvalStatus"`
	ListedOn            string    `json:"listedOn,omitempty"`
	NextReviewOn        string    `json:"nextReviewOn,omitempty"`
	ImageURL            string    `json:"imageUrl,omitempty"`
	AccreditedProviders []string  `json:"accreditedProviders"`
	URL                 string    `json:"url"`
	CreatedAt           time.Time `json:"createdAt"`
	UpdatedAt           time.Time `json:"updatedAt"`
}

func (r achievementRequest) domain(id string) (issuer.Achievement, error) {
	listed, err := parseDate("/listedOn", r.ListedOn)
	if err != nil {
		return issuer.Achievement{}, err
	}
	review, err := parseDate("/nextReviewOn", r.NextReviewOn)
	if err != nil {
		return issuer.Achievement{}, err
	}
	return issuer.Achievement{
		ID: id, Title: r.Title, TitleMi: r.TitleMi, NZQARef: r.NZQARef, NZQAVersion: r.NZQAVersion,
		Level: r.Level, Credits: r.Credits, Aim: r.Aim, Outcomes: r.Outcomes,
		AssessmentNarrative: r.AssessmentNarrative, NZSCEDCode: r.NZSCEDCode, NZSCEDName: r.NZSCEDName,
		Developer: r.Developer, QARoute: r.QARoute, EquityTags: r.EquityTags, ApprovalStatus: r.ApprovalStatus,
		ListedOn: listed, NextReviewOn: review, ImageURL: r.ImageURL, AccreditedProviders: r.AccreditedProviders,
	}, nil
}

func (s *server) achievementDTO(a *issuer.Achievement) achievementResponse {
	return achievementResponse{
		ID: a.ID, Version: a.Version, ProviderID: a.ProviderID, Title: a.Title, TitleMi: a.TitleMi,
		NZQARef: a.NZQARef, NZQAVersion: a.NZQAVersion, Level: a.Level, Credits: a.Credits, Aim: a.Aim,
		Outcomes: nonNil(a.Outcomes), AssessmentNarrative: a.AssessmentNarrative, NZSCEDCode: a.NZSCEDCode,
		NZSCEDName: a.NZSCEDName, Developer: a.Developer, QARoute: a.QARoute, EquityTags: a.EquityTags,
		ApprovalStatus: a.ApprovalStatus, ListedOn: formatDate(a.ListedOn), NextReviewOn: formatDate(a.NextReviewOn),
		ImageURL: a.ImageURL, AccreditedProviders: nonNil(a.AccreditedProviders),
		URL:       s.BaseURL + "/achievements/" + a.ID + "/v" + strconv.Itoa(a.Version),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// createAchievement is POST /api/v1/achievements (admin).
func (s *server) createAchievement(c *fiber.Ctx) error {
	var req achievementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := req.domain("")
	if err != nil {
		return err
	}
	a, err := s.Issuer.CreateAchievement(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location(s.BaseURL + "/api/v1/achievements/" + a.ID)
	return c.Status(fiber.StatusCreated).JSON(s.achievementDTO(a))
}

// updateAchievement is PUT /api/v1/achievements/:id (admin). Once awards
// refer to the current version the issuer makes a new version instead.
func (s *server) updateAchievement(c *fiber.Ctx) error {
	var req achievementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := req.domain(strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	a, err := s.Issuer.UpdateAchievement(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(s.achievementDTO(a))
}

// deleteAchievement is DELETE /api/v1/achievements/:id (admin): only while
// nothing has been awarded (409 otherwise; withdraw it instead).
func (s *server) deleteAchievement(c *fiber.Ctx) error {
	if err := s.Issuer.DeleteAchievement(c.UserContext(), actor(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// getAchievement is GET /api/v1/achievements/:id[?version=N] (any role).
func (s *server) getAchievement(c *fiber.Ctx) error {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > math.MaxInt32 {
			return malformedf("", "version must be a positive whole number.")
		}
		version = n
	}
	a, err := s.Issuer.GetAchievement(c.UserContext(), strings.Clone(c.Params("id")), version)
	if err != nil {
		return err
	}
	if me := actor(c); !me.Operator && a.ProviderID != me.ProviderID && !slices.Contains(a.AccreditedProviders, me.ProviderID) {
		// Another provider's micro-credential: not yours to read here.
		return errs.E(errs.NotFound, "No such achievement.")
	}
	return c.JSON(s.achievementDTO(a))
}

// listAchievements is GET /api/v1/achievements (any role).
func (s *server) listAchievements(c *fiber.Ctx) error {
	list, err := s.Issuer.ListAchievements(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	out := make([]achievementResponse, len(list))
	for i := range list {
		out[i] = s.achievementDTO(&list[i])
	}
	return c.JSON(fiber.Map{"achievements": out})
}
