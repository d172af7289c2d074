// The hot-spot map: the cases of /reports/map/cases.geojson, clustered. With no tile server configured the map has no
// background layer: the points stand at their parcels' coordinates on the page's plain colour, fitted to their bounds.
(function () {
  "use strict";
  var element = document.getElementById("case-map");
  if (!element || !window.L) { return; }
  // markercluster needs the map's zoom range, which a tile layer would otherwise give.
  var map = L.map(element, { zoomSnap: 0.25, minZoom: 3, maxZoom: 19 });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution || "" }).addTo(map);
  } else {
    map.attributionControl.setPrefix(false);
  }
  var clusters = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false });

  function popup(properties) {
    // Built from text nodes: an address or a violation title is never read as HTML.
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(properties.case_number);
    link.textContent = properties.case_number;
    box.appendChild(link);
    [properties.address, properties.violation, properties.stage].forEach(function (text) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(text));
    });
    return box;
  }

  fetch(element.dataset.points, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      collection.features.forEach(function (feature) {
        var xy = feature.geometry.coordinates;
        var marker = L.circleMarker([xy[1], xy[0]], {
          radius: 7, color: "#0b5cad", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.6
        });
        marker.bindPopup(popup(feature.properties));
        clusters.addLayer(marker);
      });
      map.addLayer(clusters);
      var bounds = clusters.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
      } else {
        map.setView([0, 0], 2);
      }
      element.dataset.loaded = String(collection.features.length);
    });
})();
