// Search and filters only hide what does not match: no server, works from file://.
(() => {
  const fold = (s) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
    .replace(/_/g, "-").replace(/\s+/g, " ").trim();
  const data = JSON.parse(document.getElementById("languages").textContent);
  const codes = new Set(Object.values(data.codes).flat());
  const text = (el, sel) => Array.from(el.querySelectorAll(sel), (e) => e.textContent).join(" ");
  const groups = Array.from(document.querySelectorAll("section.h"), (el) => ({
    el, text: fold(text(el, "h2, .t")),
    rows: Array.from(el.querySelectorAll(".lang"), (row) => ({
      el: row, codes: data.codes[row.dataset.language] || [],
      text: fold(text(row, "h3") + " " + (data.names[row.dataset.language] || "")),
      links: Array.from(row.querySelectorAll(".leaf")),
    })),
  }));
  // A language code matches only its language, never a word that contains it.
  const term = (t, group, row) => row.codes.includes(t) ||
    (!codes.has(t) && (group.text.includes(t) || row.text.includes(t)));
  const matches = (q, group, row) => !q || (codes.has(q) ? row.codes.includes(q)
    : group.text.includes(q) || q.split(" ").every((t) => term(t, group, row)));
  const [q, paper, format, shown, none] =
    ["q", "paper", "format", "shown", "none"].map((id) => document.getElementById(id));
  const update = () => {
    const query = fold(q.value), p = paper.value, f = format.value;
    let count = 0, most = 0;
    for (const group of groups) {
      let any = false, cards = 0;
      for (const row of group.rows) {
        let n = 0;
        for (const a of row.links) {
          a.hidden = (p && a.dataset.p !== p) || (f && a.dataset.f !== f);
          n += a.hidden ? 0 : 1;
        }
        row.el.hidden = !matches(query, group, row) || (n === 0 && (p || f));
        if (!row.el.hidden) { any = true; cards += 1; count += n; }
      }
      group.el.hidden = !any;
      most = Math.max(most, cards);
    }
    document.getElementById("groups").classList.toggle("one", most === 1);
    shown.textContent = shown.dataset.text.replace("{n}", count);
    none.hidden = count > 0 || groups.some((g) => !g.el.hidden);
  };
  for (const el of [q, paper, format]) el.addEventListener("input", update);
  document.getElementById("controls").hidden = false;
  update();
})();
