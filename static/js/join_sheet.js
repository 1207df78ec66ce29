// The join sheet's Print button.
document.getElementById("btn-print").addEventListener("click", () => window.print());
