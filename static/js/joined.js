// After /join: keep the participant token in local storage (it survives reloads and patchy
// Wi-Fi), then open the team screen.
const joined = JSON.parse(document.getElementById("join-result").textContent);
localStorage.setItem("cordon.participant", JSON.stringify(joined));
location.replace("/team");
