// Optional helpers for the report form; everything works without them.
(function () {
  "use strict";
  var input = document.getElementById("address");
  var list = document.getElementById("address-suggestions");
  if (input && list) {
    var pending = null;
    input.addEventListener("input", function () {
      clearTimeout(pending);
      var typed = input.value.trim();
      if (typed.length < 3) { return; }
      pending = setTimeout(function () {
        fetch("/portal/addresses?q=" + encodeURIComponent(typed)).then(function (r) {
          return r.ok ? r.json() : [];
        }).then(function (addresses) {
          list.textContent = "";
          addresses.forEach(function (address) {
            var option = document.createElement("option");
            option.value = address;
            list.appendChild(option);
          });
        }).catch(function () {});
      }, 250);
    });
  }
  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(6);
        document.getElementById("lon").value = position.coords.longitude.toFixed(6);
      });
    });
  }
})();
