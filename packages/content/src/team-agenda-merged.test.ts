import path from "node:path";

import { sampleContext } from "@beklijf/render";

import { loadContentPack, TEMPLATES_DIR } from "./load-content-pack";

// The team lead's prompt is batched per week (rules.json: "batch"), so one email often carries
// the prompts of several team members. Each section must stand on its own in that email.

describe("the default pack's team-agenda, several team members in one email", () => {
  it.each(["nl", "en"])(
    "reads as one agenda item per member (%s)",
    async (locale) => {
      const pack = await loadContentPack(
        path.join(TEMPLATES_DIR, "werkplekleren"),
      );
      const lead = { givenName: "Tom", name: "Tom Bakker" };
      const member = (
        givenName: string,
        name: string,
        course: string,
        token: string,
      ) => ({
        ...sampleContext(locale),
        recipient: lead,
        learner: { givenName, name },
        training: { name: course, names: {} },
        links: {
          ...sampleContext(locale).links,
          action: `https://learn.example.com/a/${token}`,
        },
      });
      const email = pack.renderer.render({
        template: "team-agenda",
        locale,
        data: member("Anna", "Anna de Vries", "Feedback geven", "anna"),
        merged: [
          {
            template: "team-agenda",
            data: member(
              "Bram",
              "Bram Peters",
              "Plannen en prioriteren",
              "bram",
            ),
          },
        ],
      });
      if (!email.ok) throw new Error(JSON.stringify(email.error));
      const { subject, text, html } = email.value;
      // The subject is the first section's: it must not name only one member or training.
      expect(subject).not.toMatch(/Anna|Bram|Feedback geven|Plannen/);
      // Each member as an item of its own, with its own "discussed" link.
      for (const [name, course, token] of [
        ["Anna de Vries", "Feedback geven", "anna"],
        ["Bram Peters", "Plannen en prioriteren", "bram"],
      ] as const) {
        expect(text).toContain(`${name} · ${course}`);
        expect(html).toContain(`href="https://learn.example.com/a/${token}"`);
      }
      // No greeting repeated halfway through the email.
      expect(text).not.toMatch(/\b(Hi|Hoi) Tom\b/);
      expect(html.match(/<hr class="between-nudges"/g)).toHaveLength(1);
    },
  );
});
