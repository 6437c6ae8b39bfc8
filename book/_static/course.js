// The course's addition to sphinx-book-theme: a figure scaled down to the page's width opens at
// full size when clicked (the guide's four-panel figures are about 1,400 px wide).
document.addEventListener("DOMContentLoaded", () => {
  for (const image of document.querySelectorAll("div.cell_output img")) {
    if (image.closest("a")) continue;
    const link = document.createElement("a");
    link.href = image.getAttribute("src");
    link.className = "course-full-size";
    link.title = "Open the picture at full size";
    image.replaceWith(link);
    link.appendChild(image);
  }
});
