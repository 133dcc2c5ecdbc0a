// The public station list: "Nearest first" asks the browser for its position once and reloads
// the list with ?lat=&lng= (the server sorts by distance; no map provider is involved); a
// ticked amenity filters at once. Without script the page works with its Filter button.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-station-filters]");
  if (form) {
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () { form.submit(); });
    });
  }
  var button = document.querySelector("[data-locate]");
  var status = document.querySelector("[data-locate-status]");
  if (!button) return;
  if (!("geolocation" in navigator)) { button.hidden = true; return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    if (status) status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
      url.searchParams.set("lng", pos.coords.longitude.toFixed(5));
      url.searchParams.delete("page");
      window.location.assign(url.toString());
    }, function () {
      button.disabled = false;
      if (status) status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 120000 });
  });
});
